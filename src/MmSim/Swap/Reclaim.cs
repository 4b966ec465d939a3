using System.Collections.Generic;
using MmSim.PageFlags;
using MmSim.PageTables;
using MmSim.Rmap;
using MmSim.Vm;

namespace MmSim.Swap;

/// <summary>
/// Anonymous page reclaim (mm/vmscan.c shrink_folio_list): add the folio to the swap cache, unmap it
/// everywhere (try_to_unmap), write it out, and free it if nothing but the swap cache still holds it.
/// try_to_unmap_one() gives up on an exclusive page that may be pinned, as page_try_share_anon_rmap()
/// demands; a page referenced by GUP stays in the swap cache.
/// </summary>
internal static class Reclaim
{
    /// <summary>reclaim_pages() for MADV_PAGEOUT; returns the number of folios freed.</summary>
    public static int Pages(Machine machine, IReadOnlyList<Folio> folios)
    {
        int freed = 0;
        foreach (var folio in folios)
        {
            if (!folio.TryRefAdd(1))
                continue;
            if (ShrinkFolio(machine, folio))
                freed++;
            folio.Put();
        }
        return freed;
    }

    /// <summary>shrink_lruvec() under memory pressure: reclaims from the old end of the LRU; returns folios freed.</summary>
    public static int FromLru(Machine machine, int wanted)
    {
        int freed = 0;
        foreach (var folio in machine.Memory.Lru.IsolateOldest(wanted * 4))
        {
            if (freed < wanted && ShrinkFolio(machine, folio))
                freed++;
            folio.Put();
        }
        return freed;
    }

    /// <summary>shrink_folio_list() for one folio the caller holds a reference on; true if it can now be freed.</summary>
    private static bool ShrinkFolio(Machine machine, Folio folio)
    {
        var swap = machine.Swap;
        if (swap is null || !folio.IsAnon || folio.IsKsm || folio.IsLarge)
            return false;
        if (!folio.TryLock())
            return false;
        try
        {
            if (!folio.IsSwapCache && swap.AddToSwapCache(folio) < 0)
                return false; // swap is full
            long offset = (long)folio.Private;
            folio.Set(PG.Dirty);
            if (folio.Head.MapCount > 0 && !TryToUnmap(machine, folio, swap, offset))
                return false;
            if (folio.Head.MapCount > 0)
                return false;
            if (folio.Test(PG.Dirty))
            {
                swap.WritePage(offset, folio.Head); // pageout()
                folio.Clear(PG.Dirty);
            }
            // __remove_mapping(): only our reference and the swap cache's may be left
            if (folio.RefCount != 2)
                return false;
            swap.DeleteFromSwapCache(folio);
            return true;
        }
        finally
        {
            folio.Unlock();
        }
    }

    /// <summary>try_to_unmap(): replaces every entry of the folio by a swap entry; false if one could not be.</summary>
    private static bool TryToUnmap(Machine machine, Folio folio, SwapDevice swap, long offset)
    {
        var page = folio.Head;
        return RmapWalk.Anon(page, (vma, address, slot, pte) => TryToUnmapOne(machine, vma, slot, pte, page, swap, offset));
    }

    /// <summary>try_to_unmap_one() for an anonymous page, with the PT lock held.</summary>
    private static bool TryToUnmapOne(Machine machine, Vma vma, PteSlot slot, Pte pte, Page page, SwapDevice swap, long offset)
    {
        var pageTable = vma.Mm.PageTable;
        bool exclusive = machine.Policy.TracksExclusivity && page.IsAnonExclusive;
        pageTable.Write(slot, Pte.None); // ptep_clear_flush(): GUP-fast can no longer find the page
        if (!swap.Duplicate(offset))
        {
            pageTable.Write(slot, pte);
            return false;
        }
        // see page_try_share_anon_rmap(): clear the PTE first
        if (exclusive && !AnonRmap.PageTryShareAnonRmap(page))
        {
            swap.Free(offset);
            pageTable.Write(slot, pte);
            return false;
        }
        if (pte.IsDirty)
            page.Folio.Set(PG.Dirty);
        bool remember = exclusive && machine.Options.SwapRemembersExclusive; // pte_swp_mkexclusive()
        pageTable.Write(slot, Pte.NonPresent(SwapEntryType.SwapDevice0, offset, remember));
        AnonRmap.PageRemoveRmap(page);
        page.Folio.Put();
        return true;
    }
}
