using System.Collections.Generic;
using MmSim.Faults;
using MmSim.PageFlags;
using MmSim.PageTables;
using MmSim.Physical;
using MmSim.Vm;

namespace MmSim.Thp;

/// <summary>
/// MADV_COLLAPSE of private anonymous memory (mm/khugepaged.c, Linux 6.1: madvise_collapse,
/// hpage_collapse_scan_pmd, collapse_huge_page). The entries of each aligned 2 MiB are copied into a new
/// THP that is exclusive from birth, and the old pages lose this mapping. Collapse never works in place,
/// so a page that another process still maps keeps its contents there. The caller holds the mmap lock
/// for writing, which keeps faults and slow GUP of this mm out.
/// </summary>
internal static class Collapse
{
    /// <summary>enum scan_result, the outcomes that MADV_COLLAPSE tells apart.</summary>
    private enum ScanResult { Succeed, PmdMapped, PmdNull, PteNonPresent, PageNull, PageAnon, PageCount, PageLock, AllocHugePageFail }

    /// <summary>madvise_collapse(): every aligned 2 MiB of [start, end) becomes one PMD-mapped THP, or the errno of the last failure.</summary>
    public static void Apply(Mm mm, ulong start, ulong end)
    {
        // madvise_walk_vmas(): one call per area, with the range clipped to it; the first error ends the walk
        var areas = mm.Vmas.FindAll(v => v.Start < end && v.End > start);
        areas.Sort((a, b) => a.Start.CompareTo(b.Start));
        foreach (var vma in areas)
            ApplyToArea(mm, vma, System.Math.Max(start, vma.Start), System.Math.Min(end, vma.End));
    }

    private static void ApplyToArea(Mm mm, Vma first, ulong start, ulong end)
    {
        CheckArea(first, start);
        // thp_vma_allowable_order() outside a fault checks that the area can hold an aligned PMD at all
        ulong last = (first.End - PageTable.PmdSize) & ~(PageTable.PmdSize - 1);
        if (first.End - first.Start < PageTable.PmdSize || last < first.Start)
            throw new MmException(MmSim.Errno.EINVAL, $"MADV_COLLAPSE at 0x{start:x}: {first} cannot hold an aligned 2 MiB");
        ulong hstart = (start + PageTable.PmdSize - 1) & ~(PageTable.PmdSize - 1);
        ulong hend = end & ~(PageTable.PmdSize - 1);
        // a range inside one unaligned 2 MiB: the kernel's count of wanted THPs wraps and the call fails
        if (hstart > hend)
            throw new MmException(MmSim.Errno.EINVAL, $"MADV_COLLAPSE of [0x{start:x}, 0x{end:x}) holds no aligned 2 MiB");
        var lastFail = ScanResult.Succeed;
        for (ulong haddr = hstart; haddr < hend; haddr += PageTable.PmdSize)
        {
            var vma = mm.VmaLookup(haddr)!;
            Revalidate(vma, haddr);
            var result = CollapseOne(vma, haddr);
            if (result is ScanResult.Succeed or ScanResult.PmdMapped)
                continue;
            lastFail = result;
            if (result is ScanResult.AllocHugePageFail or ScanResult.PageAnon)
                break; // not on madvise_collapse()'s list of results that let the walk go on
        }
        if (lastFail != ScanResult.Succeed)
            throw new MmException(Errno(lastFail), $"MADV_COLLAPSE of [0x{start:x}, 0x{end:x}): {lastFail}");
    }

    /// <summary>thp_vma_allowable_order() for a forced collapse: hugetlb, MADV_NOHUGEPAGE, file and unfaulted areas are not eligible.</summary>
    private static void CheckArea(Vma vma, ulong address)
    {
        if (vma.IsHugetlb || vma.Flags.HasFlag(VmFlags.NoHugePage))
            throw new MmException(MmSim.Errno.EINVAL, $"MADV_COLLAPSE at 0x{address:x}: the area is hugetlb or MADV_NOHUGEPAGE");
        if (!vma.IsAnonymous || vma.Flags.HasFlag(VmFlags.Shared))
            throw new MmException(MmSim.Errno.EINVAL, $"MADV_COLLAPSE at 0x{address:x}: collapse of file and shmem pages (collapse_file) is not modelled");
        // __thp_vma_allowable_orders(): outside a fault, an area no anonymous fault has prepared is not eligible
        if (vma.AnonVma is null)
            throw new MmException(MmSim.Errno.EINVAL, $"MADV_COLLAPSE at 0x{address:x}: {vma} has no anon_vma yet");
    }

    /// <summary>hugepage_vma_revalidate(): the area is still eligible and covers the aligned 2 MiB at <paramref name="haddr"/>.</summary>
    private static void Revalidate(Vma vma, ulong haddr)
    {
        CheckArea(vma, haddr);
        if (haddr < vma.Start || haddr + PageTable.PmdSize > vma.End)
            throw new MmException(MmSim.Errno.EINVAL, $"MADV_COLLAPSE at 0x{haddr:x}: the area does not cover the aligned 2 MiB");
    }

    /// <summary>madvise_collapse_errno().</summary>
    private static Errno Errno(ScanResult result) => result switch
    {
        ScanResult.AllocHugePageFail => MmSim.Errno.ENOMEM,
        ScanResult.PageCount or ScanResult.PageLock => MmSim.Errno.EAGAIN,
        _ => MmSim.Errno.EINVAL,
    };

    /// <summary>hpage_collapse_scan_pmd() then collapse_huge_page() for the 2 MiB at <paramref name="haddr"/>.</summary>
    private static ScanResult CollapseOne(Vma vma, ulong haddr)
    {
        var mm = vma.Mm;
        var pageTable = mm.PageTable;
        if (!pageTable.TryGetPmdSlot(haddr, out var pmdSlot))
            return ScanResult.PmdNull;
        var pmd = pageTable.Read(pmdSlot);
        if (pmd.IsHuge)
            return ScanResult.PmdMapped;
        if (!pmd.IsPresent)
            return ScanResult.PmdNull;
        var swapin = SwapIn(vma, haddr, (int)pmd.Pfn); // __collapse_huge_page_swapin(): no max_ptes_swap for MADV_COLLAPSE
        if (swapin != ScanResult.Succeed)
            return swapin;
        var scan = Scan(mm, (int)pmd.Pfn, out var folios);
        if (scan != ScanResult.Succeed)
            return scan;
        if (mm.Memory.AllocFolio(HugePmd.Order, Gfp.Zero | Gfp.Movable, CompoundDtor.TransHuge) is not { } fresh)
            return ScanResult.AllocHugePageFail;

        // pmdp_collapse_flush(): with the PMD and PTE locks held and GUP-fast shut out, no new reference appears
        mm.TableFreeLock.EnterWriteLock();
        try
        {
            lock (pageTable.PtLock(pmdSlot))
            lock (pageTable.PtLock(new PteSlot((int)pmd.Pfn, 0)))
            {
                var isolate = Isolate(folios);
                if (isolate != ScanResult.Succeed)
                {
                    fresh.Put();
                    return isolate;
                }
                CopyAndZap(vma, (int)pmd.Pfn, fresh);
                pageTable.Write(pmdSlot, Pte.None);
                pageTable.DepositTable(pmdSlot, (int)pmd.Pfn); // the emptied PTE table is the new THP's reserve
                HugePmd.PageAddNewAnonRmapCompound(fresh, vma, haddr, mm.Machine.Policy.TracksExclusivity);
                pageTable.Write(pmdSlot, Pte.HugePmd(fresh.Head.Pfn, write: vma.Flags.HasFlag(VmFlags.Write), dirty: true));
            }
        }
        finally
        {
            mm.TableFreeLock.ExitWriteLock();
        }
        return ScanResult.Succeed;
    }

    /// <summary>Faults in every swapped-out entry of the table, as do_swap_page() would on a read.</summary>
    private static ScanResult SwapIn(Vma vma, ulong haddr, int table)
    {
        for (int i = 0; i < HugePmd.NrPages; i++)
        {
            if (vma.Mm.PageTable.Read(new PteSlot(table, i)).Kind != PteKind.Swap)
                continue;
            if (Gup.GetUserPagesEngine.Populate(vma, haddr + (ulong)i * Machine.PageSize, write: false) != VmFault.Ok)
                return ScanResult.PteNonPresent;
        }
        return ScanResult.Succeed;
    }

    /// <summary>
    /// The scan of hpage_collapse_scan_pmd() without khugepaged's limits: none and zero-page entries are fine,
    /// any other non-present entry or special page is not. Since 6.18 a range that fork write-protected
    /// entirely is collapsed too (the SCAN_PAGE_RO check is gone): the collapse copies, so the other process
    /// keeps its pages.
    /// </summary>
    private static ScanResult Scan(Mm mm, int table, out HashSet<Folio> folios)
    {
        folios = new HashSet<Folio>();
        for (int i = 0; i < HugePmd.NrPages; i++)
        {
            var pte = mm.PageTable.Read(new PteSlot(table, i));
            if (pte.Kind == PteKind.None)
                continue;
            if (pte.Kind != PteKind.Present)
                return ScanResult.PteNonPresent;
            if (pte.IsSpecial)
            {
                if (pte.Pfn == mm.Memory.ZeroPage.Pfn)
                    continue;
                return ScanResult.PageNull;
            }
            var page = mm.Memory.PfnToPage(pte.Pfn);
            if (!page.IsAnon || page.IsKsm)
                return ScanResult.PageAnon; // a simulator choice: collapsing over KSM pages is not modelled
            folios.Add(page.Folio);
        }
        return ScanResult.Succeed;
    }

    /// <summary>
    /// __collapse_huge_page_isolate(): every folio must be unlocked and hold no reference beyond its mappings
    /// and the swap cache (is_refcount_suitable()), so a GUP pin or reference makes the collapse fail.
    /// </summary>
    private static ScanResult Isolate(HashSet<Folio> folios)
    {
        foreach (var folio in folios)
        {
            if (folio.IsLocked)
                return ScanResult.PageLock;
            int expected = folio.EntireMapcount + (folio.IsSwapCache ? folio.NrPages : 0);
            for (int i = 0; i < folio.NrPages; i++)
                expected += folio.Page(i).PteMapCount;
            if (folio.RefCount != expected)
                return ScanResult.PageCount;
        }
        return ScanResult.Succeed;
    }

    /// <summary>__collapse_huge_page_copy() and _succeeded(): the new THP gets the contents, the old entries go.</summary>
    private static void CopyAndZap(Vma vma, int table, Folio fresh)
    {
        var mm = vma.Mm;
        for (int i = 0; i < HugePmd.NrPages; i++)
        {
            var slot = new PteSlot(table, i);
            var pte = mm.PageTable.Read(slot);
            if (pte.Kind == PteKind.Present && FaultHandler.VmNormalPage(mm, pte) is { } page)
                fresh.Page(i).CopyContentsFrom(page);
            Zap.Entry(vma, slot);
        }
    }
}
