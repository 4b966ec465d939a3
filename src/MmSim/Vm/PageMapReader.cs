using MmSim.Faults;
using MmSim.PageTables;

namespace MmSim.Vm;

/// <summary>pagemap_pte_range() (fs/proc/task_mmu.c) plus stable_page_flags() (fs/proc/page.c) for one address.</summary>
internal static class PageMapReader
{
    public static PageMapEntry Read(Mm mm, ulong address)
    {
        if (!mm.PageTable.TryGetLeaf(address, out var slot, out int shift))
            return default;
        var pte = mm.PageTable.Read(slot);
        if (shift != PageTable.PageShift && pte.IsHuge)
            return HugeLeaf(mm, pte, shift, address);
        switch (pte.Kind)
        {
            case PteKind.Present:
                break;
            case PteKind.Swap:
                // pagemap_pte_range(): the frame field holds swp_type | swp_offset << MAX_SWAPFILES_SHIFT
                return new PageMapEntry(false, true, pte.SwapOffset << SwapFrameShift, false, false, false, false, false, false, false, false);
            case PteKind.DevicePrivate:
            case PteKind.DeviceExclusive:
                // PM_SWAP too: the frame field holds the entry's type and the device page's pfn
                return new PageMapEntry(false, true, (pte.EntryPfn << SwapFrameShift) | (long)pte.Type, false, false, false, false, false, false, false, false);
            default:
                return default;
        }
        var page = FaultHandler.VmNormalPage(mm, pte);
        return FromPage(mm, page, pte.Pfn, page);
    }

    /// <summary>MAX_SWAPFILES_SHIFT: the swap type's bits below the offset in a swapped entry's frame field.</summary>
    public const int SwapFrameShift = 5;

    /// <summary>
    /// A page of a PMD-mapped THP or of a hugetlb page: AnonExclusive is the head's flag, and so is
    /// PM_MMAP_EXCLUSIVE: pagemap_pmd_range() and pagemap_hugetlb_range() ask for the mapcount of the head, once
    /// for every page of the entry.
    /// </summary>
    private static PageMapEntry HugeLeaf(Mm mm, Pte pmd, int shift, ulong address)
    {
        long pfn = PageTable.LeafPfn(pmd, shift, address);
        if (pmd.IsSpecial)
            return new PageMapEntry(true, false, pfn, false, false, false, true, false, false, true, false);
        var page = mm.Memory.PfnToPage(pfn);
        return FromPage(mm, page, pfn, page.Folio.Head) with { ExclusivelyMapped = page.Folio.Head.MapCount == 1 };
    }

    /// <summary>The entry for a mapped frame; <paramref name="exclusivity"/> is the page whose flag counts (the head of a PMD mapping).</summary>
    private static PageMapEntry FromPage(Mm mm, PageFlags.Page? page, long pfn, PageFlags.Page? exclusivity)
    {
        if (page is not { } mapped)
            return new PageMapEntry(true, false, pfn, false, false, false, false, false, false, true, false);
        var folio = mapped.Folio;
        bool anon = folio.IsAnon;
        return new PageMapEntry(
            Present: true,
            Swapped: false,
            Pfn: mapped.Pfn,
            ExclusivelyMapped: mapped.MapCount == 1,
            AnonExclusive: anon && mm.Machine.Policy.TracksExclusivity && exclusivity!.Value.IsAnonExclusive,
            Anon: anon,
            Thp: folio.IsTransHuge,
            Hugetlb: folio.IsHugetlb,
            Ksm: folio.IsKsm,
            ZeroPage: false,
            MaybePinned: folio.MaybeDmaPinned);
    }
}
