using System;
using System.IO;

namespace MmSim.Differential.Execution;

/// <summary>
/// The kernel's hugetlb pools for the hugetlb scenarios, as run_vmtests.sh sets them up for cow.c: <see cref="Huge"/>
/// 2 MiB pages and <see cref="Gigantic"/> 1 GiB pages through /sys/kernel/mm/hugepages (root only; 1 GiB pages
/// come from contiguous free memory at run time). Dispose gives the pages back. The simulator side gets the same
/// pools (<see cref="SimulatorRunner.HugetlbLike"/>), so that reservations and copies fail or succeed alike.
/// </summary>
public sealed class KernelHugetlbPool : IDisposable
{
    /// <summary>2 MiB pages: the tested one, a copy, and room for a second process's copy.</summary>
    public const int Huge = 4;

    /// <summary>1 GiB pages: the tested one and its copy.</summary>
    public const int Gigantic = 2;

    private const string Root = "/sys/kernel/mm/hugepages";
    private readonly long _hugeBefore, _giganticBefore;

    public KernelHugetlbPool()
    {
        _hugeBefore = Read("hugepages-2048kB");
        _giganticBefore = Read("hugepages-1048576kB");
        try
        {
            Write("hugepages-2048kB", Huge);
            Write("hugepages-1048576kB", Gigantic);
            if (Read("hugepages-1048576kB") < Gigantic)
            {
                // alloc_contig_pages() found no free GiB: compact memory (/proc/sys/vm/compact_memory) and ask again
                File.WriteAllText("/proc/sys/vm/compact_memory", "1");
                Write("hugepages-1048576kB", Gigantic);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Problem = $"cannot set up the hugetlb pools in {Root}: {e.Message}";
            return;
        }
        long huge = Read("hugepages-2048kB"), gigantic = Read("hugepages-1048576kB");
        if (huge != Huge || gigantic != Gigantic)
            Problem = $"the kernel gave {huge} of {Huge} 2 MiB and {gigantic} of {Gigantic} 1 GiB hugetlb pages (memory too fragmented)";
    }

    /// <summary>Why the pools could not be set up; null when they hold exactly the pages the scenarios expect.</summary>
    public string? Problem { get; }

    public void Dispose()
    {
        try
        {
            Write("hugepages-1048576kB", _giganticBefore);
            Write("hugepages-2048kB", _hugeBefore);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // nothing was set up, so there is nothing to give back
        }
    }

    private static long Read(string size) =>
        long.TryParse(File.Exists(Path.Combine(Root, size, "nr_hugepages")) ? File.ReadAllText(Path.Combine(Root, size, "nr_hugepages")) : null, out long n) ? n : 0;

    private static void Write(string size, long pages) => File.WriteAllText(Path.Combine(Root, size, "nr_hugepages"), pages.ToString(System.Globalization.CultureInfo.InvariantCulture));
}
