using System;
using System.Diagnostics;

namespace MmSim.Benchmarks;

/// <summary>
/// The scaling curves of the performance issue: the cost per page of populating, forking and COW as the
/// area grows from 16 MiB to 1 GiB (flat if nothing is O(n²)), and of fork as the same pages are spread
/// over more areas (linear in areas and pages). Each figure is the best of three runs on a fresh
/// machine, warmed by one run first; a stopwatch is enough for a curve's shape.
/// </summary>
internal static class Scaling
{
    private const int PageSize = Machine.PageSize;
    private static readonly byte[] One = [1];

    public static void Report()
    {
        Console.WriteLine("scaling by area size: ns per page (populate by write / fork / COW write in the child)");
        foreach (long mib in new long[] { 16, 64, 256, 1024 })
        {
            long bytes = mib << 20;
            var (populate, fork, cow) = BestOf(() => AreaRun(bytes, areas: 1));
            Console.WriteLine($"scaling-size {mib}MiB {populate:F0} {fork:F0} {cow:F0}");
        }
        Console.WriteLine("scaling by number of areas, 64 MiB in all: ns per page (populate / fork / COW)");
        foreach (int areas in new[] { 1, 16, 256, 4096 })
        {
            var (populate, fork, cow) = BestOf(() => AreaRun(64L << 20, areas));
            Console.WriteLine($"scaling-areas {areas} {populate:F0} {fork:F0} {cow:F0}");
        }
    }

    private static (double, double, double) BestOf(Func<(double, double, double)> run)
    {
        run();
        (double a, double b, double c) best = (double.MaxValue, double.MaxValue, double.MaxValue);
        for (int i = 0; i < 3; i++)
        {
            var (a, b, c) = run();
            best = (Math.Min(best.a, a), Math.Min(best.b, b), Math.Min(best.c, c));
        }
        return best;
    }

    /// <summary>
    /// <paramref name="bytes"/> of anonymous memory in <paramref name="areas"/> areas, kept apart by guard
    /// pages so that they cannot merge: populated, forked, then written by the child.
    /// </summary>
    private static (double Populate, double Fork, double Cow) AreaRun(long bytes, int areas)
    {
        using var machine = new Machine(new MachineOptions { MemoryBytes = bytes * 2 + (64L << 20), Thp = ThpMode.Never });
        var process = machine.CreateProcess();
        long areaBytes = bytes / areas;
        var starts = new ulong[areas];
        for (int i = 0; i < areas; i++)
        {
            starts[i] = process.Mmap(0, (ulong)areaBytes, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Anonymous);
            process.Mmap(0, PageSize, Prot.None, MapFlags.Private | MapFlags.Anonymous);
        }
        long pages = bytes / PageSize;
        var clock = Stopwatch.StartNew();
        Touch(process, starts, areaBytes);
        double populate = clock.Elapsed.TotalNanoseconds / pages;
        clock.Restart();
        var child = process.Fork();
        double fork = clock.Elapsed.TotalNanoseconds / pages;
        clock.Restart();
        Touch(child, starts, areaBytes);
        double cow = clock.Elapsed.TotalNanoseconds / pages;
        return (populate, fork, cow);
    }

    private static void Touch(Process process, ulong[] starts, long areaBytes)
    {
        foreach (ulong start in starts)
        {
            for (ulong offset = 0; offset < (ulong)areaBytes; offset += PageSize)
                process.Write(start + offset, One);
        }
    }
}
