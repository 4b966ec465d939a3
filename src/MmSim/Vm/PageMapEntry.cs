namespace MmSim;

/// <summary>
/// What /proc/pid/pagemap and /proc/kpageflags say about one virtual page. <see cref="AnonExclusive"/> is the
/// flag of the mapped subpage (the head for a PMD-mapped THP or a hugetlb page); <see cref="ExclusivelyMapped"/>
/// is PM_MMAP_EXCLUSIVE (mapcount == 1); <see cref="MaybePinned"/> is folio_maybe_dma_pinned.
/// </summary>
public readonly record struct PageMapEntry(bool Present, bool Swapped, long Pfn,
    bool ExclusivelyMapped, bool AnonExclusive, bool Anon, bool Thp, bool Hugetlb, bool Ksm,
    bool ZeroPage, bool MaybePinned);
