using System;
using MmSim;

// The tour's misuses (Misuses/) are never called; the program shows the runtime works, then the build
// output shows one warning per rule. The fixed twin is samples/AnalyzerTour.Fixed.
using var machine = new Machine(new MachineOptions { Semantics = CowSemantics.AnonExclusive });
var parent = machine.CreateProcess();
ulong a = parent.Mmap(0, 4096, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Anonymous);
parent.Write(a, "secret"u8);
var child = parent.Fork();
Console.WriteLine($"after fork:  {parent.PageMap(a)}");
parent.Write(a, "SECRET"u8);
Console.WriteLine($"after write: {parent.PageMap(a)}");
child.Exit();
machine.CheckInvariants();
