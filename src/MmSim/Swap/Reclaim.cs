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
        var split = new Queue<Folio>();
        foreach (var folio in folios)
        {
            if (!folio.TryRefAdd(1))
                continue;
            if (ShrinkFolio(machine, folio, split))
                freed++;
            folio.Put();
        }
        return freed + ShrinkSplit(machine, split, int.MaxValue);
    }

    /// <summary>shrink_lruvec() under memory pressure: reclaims from the old end of the LRU; returns folios freed.</summary>
    public static int FromLru(Machine machine, int wanted)
    {
        int freed = 0;
        var split = new Queue<Folio>();
        foreach (var folio in machine.Memory.Lru.IsolateOldest(wanted * 4))
        {
            if (freed < wanted && ShrinkFolio(machine, folio, split))
                freed++;
            folio.Put();
        }
        return freed + ShrinkSplit(machine, split, wanted - freed);
    }

    /// <summary>The order-0 folios a split put back on the list, each with a reference taken here.</summary>
    private static int ShrinkSplit(Machine machine, Queue<Folio> split, int wanted)
    {
        int freed = 0;
        while (split.TryDequeue(out var folio))
        {
            if (!folio.TryRefAdd(1))
                continue;
            if (freed < wanted && ShrinkFolio(machine, folio, split))
                freed++;
            folio.Put();
        }
        return freed;
    }

    /// <summary>
    /// shrink_folio_list() for one folio the caller holds a reference on; true if it can now be freed. A large
    /// folio that is mapped only in part is split right away, and so is one for which folio_alloc_swap()
    /// finds no free cluster (no swap, swap full): its pages go back on <paramref name="split"/> to be
    /// reclaimed one by one. Otherwise a THP is swapped out whole (THP swap-out, CONFIG_THP_SWAP).
    /// </summary>
    private static bool ShrinkFolio(Machine machine, Folio folio, Queue<Folio> split)
    {
        if (!folio.IsAnon || folio.IsKsm)
            return false;
        if (folio.IsLarge && PartiallyMapped(folio))
        {
            SplitToList(machine, folio, split);
            return false;
        }
        if (machine.Swap is not { } swap)
        {
            if (folio.IsLarge)
                SplitToList(machine, folio, split);
            return false;
        }
        if (!folio.TryLock())
            return false;
        try
        {
            if (folio.IsSwapCache || swap.AddToSwapCache(folio) >= 0)
                return SwapOutLocked(machine, folio, swap);
        }
        finally
        {
            folio.Unlock();
        }
        if (folio.IsLarge)
            SplitToList(machine, folio, split); // fall back to swapping the pages one by one
        return false;
    }

    /// <summary>The rest of shrink_folio_list() for a locked swap-cache folio: try_to_unmap(), pageout(), __remove_mapping().</summary>
    private static bool SwapOutLocked(Machine machine, Folio folio, SwapDevice swap)
    {
        folio.Set(PG.Dirty);
        if (FolioSharing.Mapped(folio) && !TryToUnmap(machine, folio, swap))
            return false;
        if (FolioSharing.Mapped(folio))
            return false;
        long first = (long)folio.Private;
        if (folio.Test(PG.Dirty))
        {
            for (int i = 0; i < folio.NrPages; i++)
                swap.WritePage(first + i, folio.Page(i)); // pageout()
            folio.Clear(PG.Dirty);
        }
        // __remove_mapping(): only our reference and the swap cache's may be left
        if (folio.RefCount != 1 + folio.NrPages)
            return false;
        swap.DeleteFromSwapCache(folio);
        return true;
    }

    /// <summary>folio_test_partially_mapped(): some pages of a large folio are mapped, others no longer.</summary>
    private static bool PartiallyMapped(Folio folio)
    {
        if (folio.EntireMapcount > 0)
            return false;
        bool mapped = false, unmapped = false;
        for (int i = 0; i < folio.NrPages; i++)
        {
            if (folio.Page(i).MapCount > 0)
                mapped = true;
            else
                unmapped = true;
        }
        return mapped && unmapped;
    }

    /// <summary>split_folio_to_list(): the pages that are still mapped after the split are reclaimed one by one.</summary>
    private static void SplitToList(Machine machine, Folio folio, Queue<Folio> split)
    {
        if (folio.IsSwapCache || folio.MaybeDmaPinned)
            return; // a pinned folio is kept (folio_maybe_dma_pinned() in shrink_folio_list)
        var pages = new List<Page>(folio.NrPages);
        for (int i = 0; i < folio.NrPages; i++)
            pages.Add(folio.Page(i));
        if (!Thp.FolioSplit.TryLockAndSplit(machine, folio))
            return;
        foreach (var page in pages)
        {
            if (page.MapCount > 0)
                split.Enqueue(page.Folio);
        }
    }

    /// <summary>
    /// try_to_unmap() with TTU_SPLIT_HUGE_PMD: a huge PMD becomes PTEs first, then every entry of every page is
    /// replaced by a swap entry for that page's slot; false if one could not be.
    /// </summary>
    private static bool TryToUnmap(Machine machine, Folio folio, SwapDevice swap)
    {
        if (!Thp.FolioSplit.SplitHugePmds(folio))
            return false;
        long first = (long)folio.Private;
        for (int i = 0; i < folio.NrPages; i++)
        {
            var page = folio.Page(i);
            long offset = first + i;
            if (page.MapCount > 0 && !RmapWalk.Anon(page, (vma, address, slot, pte) => TryToUnmapOne(machine, vma, slot, pte, page, swap, offset)))
                return false;
        }
        return true;
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
        AnonRmap.PageRemoveRmap(page, vma);
        page.Folio.Put();
        return true;
    }
}
