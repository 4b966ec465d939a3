using System.Collections.Generic;
using System.Threading;
using MmSim.Migration;
using MmSim.PageFlags;
using MmSim.PageTables;
using MmSim.Rmap;
using MmSim.Vm;

namespace MmSim.Thp;

/// <summary>
/// split_folio() of an anonymous THP into order-0 folios (mm/huge_memory.c __folio_split, Linux 6.18).
/// Every mapping becomes a migration entry (unmap_folio: huge PMDs are split first), after which the
/// caller's reference must be the only one left (can_split_folio, folio_ref_freeze): a pinned or
/// GUP-referenced folio is not split. The compound page falls apart and each entry is restored to its own
/// subpage with its exclusivity (remap_page), except that a subpage holding only zeros is mapped to the
/// shared zero page instead and freed (RMP_USE_SHARED_ZEROPAGE, 6.12: "mm: remap unused subpages to
/// shared zeropage when splitting isolated thp").
/// </summary>
internal static class FolioSplit
{
    /// <summary>folio_trylock() + split_folio() + folio_unlock() for a folio the caller holds one reference on.</summary>
    public static bool TryLockAndSplit(Machine machine, Folio folio)
    {
        if (!folio.TryLock())
            return false;
        bool split = TrySplit(machine, folio);
        folio.Unlock(); // the head page: a small folio now if the split succeeded
        return split;
    }

    /// <summary>Splits <paramref name="folio"/>, which the caller holds locked and with one reference; false (-EAGAIN) if it cannot.</summary>
    public static bool TrySplit(Machine machine, Folio folio)
    {
        if (!folio.IsLarge || !folio.IsAnon || folio.IsHugetlb || folio.IsKsm || folio.IsSwapCache)
            return false;
        // can_split_folio(): every reference but the caller's belongs to a mapping
        if (FolioSharing.LargeMapcount(folio) != folio.RefCount - 1)
            return false;
        var unmapped = new List<(Vma Vma, PteSlot Slot, Page Page)>();
        bool complete = SplitHugePmds(folio) && UnmapFolio(machine, folio, unmapped);
        if (!complete || folio.RefCount != 1)
        {
            // folio_ref_freeze() failed: remap_page() to the folio itself, nothing split
            foreach (var (vma, slot, page) in unmapped)
                MigrationEntries.RemoveMigrationPte(machine, vma, slot, page, page, mapUnusedToZeroPage: false);
            return false;
        }
        var memory = machine.Memory;
        var pages = new List<Page>(folio.NrPages);
        for (int i = 0; i < folio.NrPages; i++)
            pages.Add(folio.Page(i));
        memory.Lru.Remove(folio);
        memory.SplitCompound(folio);
        foreach (var (vma, slot, page) in unmapped)
            MigrationEntries.RemoveMigrationPte(machine, vma, slot, page, page, mapUnusedToZeroPage: true);
        // lru_add_split_folio(), then the split's own reference on each new folio goes; the head keeps the caller's
        for (int i = 0; i < pages.Count; i++)
        {
            var small = pages[i].Folio;
            if (small.Head.MapCount > 0)
                memory.Lru.Add(small);
            if (i > 0)
            {
                small.Unlock();
                small.Put(); // a subpage nothing maps any more is freed here
            }
        }
        return true;
    }

    /// <summary>TTU_SPLIT_HUGE_PMD: every huge PMD that maps the folio becomes 512 PTEs; false if a PMD lock was busy.</summary>
    public static bool SplitHugePmds(Folio folio) =>
        RmapWalk.AnonPmds(folio, (vma, address, pmdSlot, _) =>
        {
            HugePmd.SplitLocked(vma, pmdSlot, address);
            return true;
        }) && folio.EntireMapcount == 0;

    /// <summary>unmap_folio() -> try_to_migrate(): every PTE of every subpage becomes a migration entry; false if one could not.</summary>
    private static bool UnmapFolio(Machine machine, Folio folio, List<(Vma Vma, PteSlot Slot, Page Page)> unmapped)
    {
        for (int i = 0; i < folio.NrPages; i++)
        {
            var page = folio.Page(i);
            if (page.MapCount == 0)
                continue;
            bool walked = RmapWalk.Anon(page, (vma, address, slot, pte) =>
            {
                if (!MigrationEntries.TryToMigrateOne(machine, vma, slot, pte, page))
                    return false;
                unmapped.Add((vma, slot, page));
                return true;
            });
            if (!walked || page.MapCount != 0)
                return false;
        }
        return true;
    }
}
