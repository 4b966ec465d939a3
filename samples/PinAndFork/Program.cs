// Watch PG_anon_exclusive change through fork, a GUP reference, a write fault and a pin, on today's
// design and on the pre-5.8 one, where the same steps leak the parent's secret (CVE-2020-29374).
using System;
using System.Text;
using MmSim;

foreach (var semantics in new[] { CowSemantics.AnonExclusive, CowSemantics.MapcountReuse })
{
    Console.WriteLine($"=== {semantics} ===");
    using var machine = new Machine(new MachineOptions { Semantics = semantics });
    var parent = machine.CreateProcess();
    ulong a = parent.Mmap(0, Machine.PageSize, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Anonymous);
    void Show(string step, Process process) => Console.WriteLine($"{step,-52} pid {process.Pid}: {Describe(process.PageMap(a))}");

    parent.Write(a, Encoding.ASCII.GetBytes("public"));
    Show("parent writes: a new page", parent);

    var child = parent.Fork();
    Show("fork: both map it R/O", parent);
    Show("", child);

    using var pipe = child.GetUserPages(a, 1, GupFlags.None); // vmsplice(): FOLL_GET, never unshares
    child.Munmap(a, Machine.PageSize);
    Show("child vmsplice()s the page, then unmaps it", parent);

    parent.Write(a, Encoding.ASCII.GetBytes("secret"));
    Show("parent writes a secret: reuse or copy?", parent);
    var seen = new byte[6];
    pipe.Read(0, 0, seen);
    string read = Encoding.ASCII.GetString(seen);
    Console.WriteLine($"the child's pipe reads \"{read}\"{(read == "secret" ? "  <-- leaked (CVE-2020-29374)" : "  (no leak: the write copied)")}");

    using var pin = parent.PinUserPages(a, 1, GupFlags.Write | GupFlags.Longterm); // io_uring fixed buffer
    Show("parent pins its page R/W, long-term", parent);
    var second = parent.Fork();
    Show("fork again while the page is pinned", parent);
    Show("", second);
    parent.Write(a, Encoding.ASCII.GetBytes("update"));
    pin.Read(0, 0, seen);
    string pinned = Encoding.ASCII.GetString(seen);
    Console.WriteLine($"after the parent's next write the pin sees \"{pinned}\"{(pinned == "update" ? "  (the pin stays coherent)" : "  <-- the write went to a copy: the pin lost it")}");
    Console.WriteLine();
}

static string Describe(PageMapEntry e) =>
    !e.Present ? "not present"
    : $"pfn 0x{e.Pfn:x} exclusive={Flag(e.AnonExclusive)} mapped-once={Flag(e.ExclusivelyMapped)} pinned={Flag(e.MaybePinned)}";

static string Flag(bool value) => value ? "yes" : "no";
