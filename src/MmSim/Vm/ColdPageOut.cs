using System;
using System.Collections.Generic;
using System.Threading;
using MmSim.Faults;
using MmSim.PageFlags;
using MmSim.PageTables;
using MmSim.Rmap;
using MmSim.Thp;

namespace MmSim.Vm;

/// <summary>
/// MADV_COLD and MADV_PAGEOUT (mm/madvise.c madvise_cold_or_pageout_pte_range, Linux 6.18). Folios that
/// another process maps are left alone. A large folio that the range covers only in part is split first
/// (split_folio, which maps its zero-filled subpages to the shared zero page), one covered whole is
/// handled whole. COLD only ages: with no reclaim to follow it, nothing else is observable. PAGEOUT
/// reclaims what it collected (reclaim_pages): anonymous folios go to swap, a large one split first;
/// a file page is unmapped and
/// stays in the page cache (shmem cannot be written back without swap; a clean file page would be dropped,
/// which the simulator's files, living in their page cache, do not model).
/// </summary>
internal static class ColdPageOut
{
    public static void Apply(Mm mm, ulong start, ulong end, bool pageout)
    {
        var reclaim = new List<Folio>();
        foreach (var vma in mm.Vmas.FindAll(v => v.Start < end && v.End > start))
        {
            if (vma.IsHugetlb)
                throw new MmException(Errno.EINVAL, $"MADV_{(pageout ? "PAGEOUT" : "COLD")} on hugetlb memory (can_madv_lru_vma)");
            ulong from = Math.Max(vma.Start, start), to = Math.Min(vma.End, end);
            for (ulong addr = from; addr < to;)
            {
                ulong next = Math.Min((addr | (PageTable.PmdSize - 1)) + 1, to);
                HugePmdRange(vma, addr, next, pageout, reclaim);
                PteRange(vma, addr, next, pageout, reclaim);
                addr = next;
            }
        }
        if (pageout)
            Swap.Reclaim.Pages(mm.Machine, reclaim);
    }

    /// <summary>The PMD branch: a huge PMD covered whole is collected; covered in part, its folio is split so the PTE branch can go on.</summary>
    private static void HugePmdRange(Vma vma, ulong addr, ulong next, bool pageout, List<Folio> reclaim)
    {
        var pageTable = vma.Mm.PageTable;
        if (!pageTable.TryGetPmdSlot(addr, out var pmdSlot))
            return;
        var pmd = pageTable.Read(pmdSlot);
        if (pmd.Kind != PteKind.Present || !pmd.IsHuge || pmd.IsSpecial)
            return;
        var folio = vma.Mm.Memory.PfnToPage(pmd.Pfn).Folio;
        if (!folio.IsAnon || FolioSharing.MaybeMappedShared(folio))
            return;
        if (next - addr == PageTable.PmdSize)
        {
            if (pageout)
                reclaim.Add(folio);
            return;
        }
        Split(vma.Mm.Machine, folio);
    }

    /// <summary>The PTE branch: small folios are collected; a large one mapped here in part is split, one mapped whole collected once.</summary>
    private static void PteRange(Vma vma, ulong addr, ulong next, bool pageout, List<Folio> reclaim)
    {
        var mm = vma.Mm;
        for (ulong address = addr; address < next; address += Machine.PageSize)
        {
            if (!mm.PageTable.TryGetPteSlot(address, out var slot))
                return; // no PTE table here (none, or a huge PMD handled above)
            var pte = mm.PageTable.Read(slot);
            if (pte.Kind != PteKind.Present || FaultHandler.VmNormalPage(mm, pte) is not { } page)
                continue;
            var folio = page.Folio;
            if (folio.IsLarge)
            {
                if (FolioSharing.MaybeMappedShared(folio))
                    return; // the kernel stops the walk of this PMD here
                int batch = ContiguousBatch(mm, address, next, page);
                if (batch < folio.NrPages)
                {
                    if (Split(mm.Machine, folio))
                        address -= Machine.PageSize; // look at the same entry again, now a small folio
                    continue;
                }
                if (pageout)
                    reclaim.Add(folio);
                address += (ulong)(batch - 1) * Machine.PageSize;
                continue;
            }
            if (!pageout || folio.IsKsm || page.MapCount != 1)
                continue;
            if (folio.IsAnon)
                reclaim.Add(folio);
            else
                UnmapFilePage(vma, slot, page);
        }
    }

    /// <summary>try_to_unmap() of a page-cache page only this entry maps: it leaves the page table and stays cached.</summary>
    private static void UnmapFilePage(Vma vma, PteSlot slot, Page page)
    {
        var pageTable = vma.Mm.PageTable;
        lock (pageTable.PtLock(slot))
        {
            var pte = pageTable.Read(slot);
            if (pte.Kind != PteKind.Present || pte.IsSpecial || pte.Pfn != page.Pfn)
                return;
            pageTable.Write(slot, Pte.None);
            if (pte.IsDirty)
                page.Folio.Set(PG.Dirty);
            AnonRmap.PageRemoveRmap(page, vma);
            page.Folio.Put();
        }
    }

    /// <summary>madvise_folio_pte_batch(): how many entries from <paramref name="address"/> map consecutive pages of the folio, starting at its first page.</summary>
    private static int ContiguousBatch(Mm mm, ulong address, ulong end, Page page)
    {
        var folio = page.Folio;
        if (page.Pfn != folio.Head.Pfn)
            return 0;
        int n = 0;
        for (ulong a = address; a < end && n < folio.NrPages; a += Machine.PageSize, n++)
        {
            if (!mm.PageTable.TryGetPteSlot(a, out var slot) || mm.PageTable.Read(slot) is not { Kind: PteKind.Present } pte || pte.Pfn != folio.Head.Pfn + n)
                break;
        }
        return n;
    }

    /// <summary>split_folio() with the folio locked and a reference held, as madvise and reclaim take them; false if it stayed whole.</summary>
    private static bool Split(Machine machine, Folio folio)
    {
        if (!folio.TryRefAdd(1))
            return false;
        bool split = FolioSplit.TryLockAndSplit(machine, folio);
        folio.Put();
        return split;
    }
}
