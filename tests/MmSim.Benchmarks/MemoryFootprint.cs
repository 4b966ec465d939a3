using System;
using System.Diagnostics;

namespace MmSim.Benchmarks;

/// <summary>
/// Host memory per simulated frame and per mapped PTE, and the footprint of a 16 GiB machine with
/// 1 GiB touched: the memory goals of the performance issue, measured rather than computed.
/// </summary>
internal static class MemoryFootprint
{
    public static void Report()
    {
        foreach (long gib in new long[] { 1, 4, 16 })
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            using var machine = new Machine(new MachineOptions { MemoryBytes = gib << 30 });
            long frames = machine.Physical.TotalPages;
            double perFrame = (double)(GC.GetAllocatedBytesForCurrentThread() - before) / frames;
            Console.WriteLine($"bytes-per-frame {gib}GiB {perFrame:F1}");
        }

        using (var machine = new Machine(new MachineOptions { MemoryBytes = 16L << 30, Thp = ThpMode.Never }))
        {
            var process = machine.CreateProcess();
            const long touched = 1L << 30;
            ulong area = process.Mmap(0, touched, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Anonymous);
            long tablesBefore = machine.Stats.PageTablePages;
            var one = new byte[] { 1 };
            for (ulong offset = 0; offset < touched; offset += Machine.PageSize)
                process.Write(area + offset, one);
            long ptes = touched / Machine.PageSize;
            double perPte = (double)(machine.Stats.PageTablePages - tablesBefore) * Machine.PageSize / ptes;
            Console.WriteLine($"bytes-per-mapped-pte {perPte:F2}");
            GC.Collect();
            using var self = System.Diagnostics.Process.GetCurrentProcess();
            Console.WriteLine($"host-bytes-16GiB-machine-1GiB-touched {self.WorkingSet64}");
            GC.KeepAlive(machine);
        }
    }
}
