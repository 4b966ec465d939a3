namespace MmSim;

/// <summary>A snapshot of the machine's memory counters, in 4 KiB pages.</summary>
public sealed class MemoryStats
{
    internal MemoryStats(long freePages, long anonPages, long pinnedPages, long swapUsedPages,
        long hugetlbTotalPages, long hugetlbFreePages, long pageTablePages, long fileCachePages)
    {
        FreePages = freePages;
        AnonPages = anonPages;
        PinnedPages = pinnedPages;
        SwapUsedPages = swapUsedPages;
        HugetlbTotalPages = hugetlbTotalPages;
        HugetlbFreePages = hugetlbFreePages;
        PageTablePages = pageTablePages;
        FileCachePages = fileCachePages;
    }

    /// <summary>Free frames, the hugetlb pool excluded.</summary>
    public long FreePages { get; }

    /// <summary>Frames holding anonymous memory (THP subpages, KSM and anon swap cache included).</summary>
    public long AnonPages { get; }

    /// <summary>Outstanding FOLL_PIN pins, per pinned 4 KiB page.</summary>
    public long PinnedPages { get; }

    /// <summary>Swap slots in use.</summary>
    public long SwapUsedPages { get; }

    /// <summary>HugePages_Total, all sizes together, in 4 KiB pages.</summary>
    public long HugetlbTotalPages { get; }

    /// <summary>HugePages_Free, in 4 KiB pages.</summary>
    public long HugetlbFreePages { get; }

    /// <summary>Frames used as page tables (PageTables in /proc/meminfo).</summary>
    public long PageTablePages { get; }

    /// <summary>Frames in page caches of files and shmem.</summary>
    public long FileCachePages { get; }
}
