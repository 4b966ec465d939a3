using System;
using System.Collections.Generic;
using MmSim.Diagnostics;
using MmSim.Faults;
using MmSim.PageFlags;
using MmSim.PageTables;
using MmSim.Rmap;
using MmSim.Vm;

namespace MmSim.Ksm;

/// <summary>
/// ksmd (mm/ksm.c): scans the pages of MADV_MERGEABLE areas, and merges identical ones into one
/// write-protected KSM page. A page is merged on the second full scan that finds it unchanged
/// (its checksum is remembered in an rmap_item). Merging needs write_protect_page(), which refuses a
/// page with references beyond its mappings (a GUP reference or pin), and page_try_share_anon_rmap(),
/// which refuses a page that may be pinned: a maybe-pinned page is never merged.
/// </summary>
internal sealed class KsmScanner
{
    private readonly Machine _machine;
    private readonly Dictionary<(Mm, ulong), int> _checksums = new();      // rmap_item->oldchecksum
    private readonly Dictionary<int, List<StableNode>> _stable = new();    // the stable tree, by checksum

    public KsmScanner(Machine machine)
    {
        _machine = machine;
    }

    /// <summary>ksm_do_scan() over every mm, once.</summary>
    public void FullScan()
    {
        lock (this)
        {
            var unstable = new Dictionary<int, List<(Vma Vma, ulong Address)>>(); // root_unstable_tree, reset per scan
            var seen = new HashSet<(Mm, ulong)>();
            foreach (var process in _machine.Processes())
            {
                var mm = process.Mm;
                mm.MmapLock.EnterReadLock();
                try
                {
                    foreach (var vma in mm.Vmas.ToArray())
                    {
                        if (!vma.Flags.HasFlag(VmFlags.Mergeable) || !vma.IsAnonymous || vma.Flags.HasFlag(VmFlags.Shared))
                            continue;
                        for (ulong address = vma.Start; address < vma.End; address += Machine.PageSize)
                        {
                            seen.Add((mm, address));
                            CmpAndMergePage(vma, address, unstable);
                        }
                    }
                }
                finally
                {
                    mm.MmapLock.ExitReadLock();
                }
            }
            // remove_trailing_rmap_items(): forget pages no longer scanned
            foreach (var key in new List<(Mm, ulong)>(_checksums.Keys))
            {
                if (!seen.Contains(key))
                    _checksums.Remove(key);
            }
            PruneStableTree();
        }
    }

    /// <summary>cmp_and_merge_page().</summary>
    private void CmpAndMergePage(Vma vma, ulong address, Dictionary<int, List<(Vma, ulong)>> unstable)
    {
        if (MappedAnonPage(vma, address) is not { } page || page.IsKsm)
            return;
        int checksum = Checksum(page);
        // stable_tree_search(): an identical KSM page exists already
        if (_stable.TryGetValue(checksum, out var nodes))
        {
            foreach (var node in nodes)
            {
                if (IsLive(node) && SameContents(page, node.KPage.Head) && TryMergeOnePage(vma, address, page, node))
                    return;
            }
        }
        // a page that changed since the last scan is too volatile to merge yet
        var key = (vma.Mm, address);
        if (!_checksums.TryGetValue(key, out int old) || old != checksum)
        {
            _checksums[key] = checksum;
            return;
        }
        // unstable_tree_search_insert(): merge with an identical unmerged page, or wait in the tree
        if (!unstable.TryGetValue(checksum, out var candidates))
            unstable[checksum] = candidates = new List<(Vma, ulong)>();
        foreach (var (otherVma, otherAddress) in candidates)
        {
            if (MappedAnonPage(otherVma, otherAddress) is not { } other || other.IsKsm || other == page || !SameContents(page, other))
                continue;
            if (TryMergeTwoPages(otherVma, otherAddress, other, vma, address, page, checksum))
            {
                candidates.Remove((otherVma, otherAddress));
                return;
            }
        }
        candidates.Add((vma, address));
    }

    /// <summary>try_to_merge_two_pages(): the tree page becomes the KSM page, then this page is replaced by it.</summary>
    private bool TryMergeTwoPages(Vma treeVma, ulong treeAddress, Page treePage, Vma vma, ulong address, Page page, int checksum)
    {
        if (!WriteProtectPage(treeVma, treeAddress, treePage))
            return false;
        var folio = treePage.Folio;
        if (!folio.TryLock())
            return false;
        StableNode node;
        try
        {
            if (folio.IsLarge || folio.IsKsm || !folio.IsAnon || !treePage.IsAnon)
                return false;
            MmBug.On(treePage.IsAnonExclusive, treePage, "set_page_stable_node on an exclusive page");
            node = new StableNode(_machine.Memory, folio, checksum); // stable_tree_insert()
            folio.SetMapping(node.Mapping);                         // set_page_stable_node()
            folio.Set(PG.Dirty);
            node.Append(treeVma.Mm.AnonVmaPrepare(treeVma), treeAddress);
        }
        finally
        {
            folio.Unlock();
        }
        if (!_stable.TryGetValue(checksum, out var nodes))
            _stable[checksum] = nodes = new List<StableNode>();
        nodes.Add(node);
        TryMergeOnePage(vma, address, page, node);
        return true;
    }

    /// <summary>try_to_merge_one_page() with a KSM page: write-protect this page, then replace_page().</summary>
    private bool TryMergeOnePage(Vma vma, ulong address, Page page, StableNode node)
    {
        if (page.Folio.IsLarge || !WriteProtectPage(vma, address, page))
            return false;
        var pageTable = vma.Mm.PageTable;
        if (!pageTable.TryGetPteSlot(address, out var slot))
            return false;
        lock (pageTable.PtLock(slot))
        {
            var pte = pageTable.Read(slot);
            if (pte.Kind != PteKind.Present || pte.IsWrite || pte.IsSpecial || pte.Pfn != page.Pfn)
                return false;
            // get_ksm_page(): the KSM page may have been freed, even reused, or migrated since the node was found
            var kpage = node.KPage;
            if (!kpage.TryRefAdd(1))
                return false;
            // the KSM page's lock keeps a migration away while it gains this mapping (the kernel's
            // migration freezes the refcount instead, which makes get_ksm_page() fail)
            if (!kpage.TryLock())
            {
                kpage.Put();
                return false;
            }
            bool merged = false;
            try
            {
                if (node.KPage == kpage && IsLive(node) && SameContents(page, kpage.Head))
                {
                    // replace_page(): the KSM page takes this mapping, with the area's vm_page_prot (PROT_NONE
                    // stays PROT_NONE), and the old page loses it
                    kpage.Head.IncMapCount(vma.Mm.Id);
                    var entry = Pte.Present(kpage.Head.Pfn, write: false);
                    pageTable.Write(slot, pte.IsProtNone ? entry.ToProtNone() : entry);
                    page.DecMapCount(vma.Mm.Id);
                    node.Append(vma.Mm.AnonVmaPrepare(vma), address); // stable_tree_append()
                    merged = true;
                }
            }
            finally
            {
                kpage.Unlock(); // before any put: a folio is never freed locked
            }
            if (!merged)
            {
                kpage.Put();
                return false;
            }
            _machine.Swap?.TryFreeSwapCache(page.Folio); // folio_free_swap() once nothing maps the old page
            page.Folio.Put();
        }
        return true;
    }

    /// <summary>
    /// write_protect_page(): with the entry cleared, no reference beyond the mappings may exist (a GUP
    /// reference or pin would see the merged page change under it), and an exclusive page must give up
    /// exclusivity through page_try_share_anon_rmap(); then the entry comes back clean and R/O.
    /// </summary>
    private static bool WriteProtectPage(Vma vma, ulong address, Page page)
    {
        var pageTable = vma.Mm.PageTable;
        if (!pageTable.TryGetPteSlot(address, out var slot))
            return false;
        var folio = page.Folio;
        if (!folio.TryLock())
            return false;
        try
        {
            lock (pageTable.PtLock(slot))
            {
                var pte = pageTable.Read(slot);
                if (pte.Kind != PteKind.Present || pte.IsSpecial || pte.Pfn != page.Pfn)
                    return false;
                bool exclusive = vma.Mm.Machine.Policy.TracksExclusivity && page.IsAnonExclusive;
                if (!pte.IsWrite && !pte.IsDirty && !exclusive)
                    return true; // every mapping is R/O already: nobody can write behind the merge
                pageTable.Write(slot, Pte.None); // ptep_clear_flush(): GUP-fast can no longer find the page
                int swapped = folio.IsSwapCache ? 1 : 0;
                if (page.MapCount + swapped != folio.RefCount)
                {
                    pageTable.Write(slot, pte); // O_DIRECT or a pin holds the page
                    return false;
                }
                if (exclusive && !AnonRmap.PageTryShareAnonRmap(page))
                {
                    pageTable.Write(slot, pte);
                    return false;
                }
                pageTable.Write(slot, new Pte(pte.Raw & ~(Pte.WriteBit | Pte.DirtyBit)));
                if (pte.IsDirty)
                    folio.Set(PG.Dirty);
                return true;
            }
        }
        finally
        {
            folio.Unlock();
        }
    }

    /// <summary>
    /// folio_walk_start() for ksmd: the normal anonymous page mapped at the address, if any. A PROT_NONE entry
    /// counts: ksmd does not honour NUMA hinting faults (FOLL_HONOR_NUMA_FAULT, 6.5), so PROT_NONE memory merges,
    /// as ksm_functional_tests' test_prot_none expects.
    /// </summary>
    private static Page? MappedAnonPage(Vma vma, ulong address)
    {
        var pageTable = vma.Mm.PageTable;
        if (!pageTable.TryGetPteSlot(address, out var slot))
            return null;
        var pte = pageTable.Read(slot);
        if (pte.Kind != PteKind.Present)
            return null;
        return FaultHandler.VmNormalPage(vma.Mm, pte) is { IsAnon: true } page ? page : null;
    }

    /// <summary>folio_migrate_ksm(): the stable node follows its KSM page to the frame it migrated to.</summary>
    public static void FolioMigrateKsm(Folio old, Folio fresh)
    {
        var node = old.Memory.Mappings.Resolve<StableNode>(old.Mapping.ObjectId);
        Diagnostics.MmBug.On(node is null || node.KPage != old, old.Head, "folio_migrate_ksm of a page that is not its stable node's KSM page");
        node!.KPage = fresh;
    }

    /// <summary>A stable node whose KSM page still exists as that KSM page (not freed, not reused for something else).</summary>
    private static bool IsLive(StableNode node) => node.KPage.RefCount > 0 && node.KPage.Mapping == node.Mapping;

    /// <summary>Drops stable nodes whose KSM page is gone (get_ksm_page() finding a stale node).</summary>
    private void PruneStableTree()
    {
        foreach (var nodes in _stable.Values)
        {
            nodes.RemoveAll(node =>
            {
                bool stale = !IsLive(node);
                if (stale)
                    _machine.Memory.Mappings.Unregister(node.Id);
                return stale;
            });
        }
    }

    private static int Checksum(Page page)
    {
        Span<byte> bytes = stackalloc byte[Machine.PageSize];
        page.ReadContents(0, bytes);
        var hash = new HashCode();
        hash.AddBytes(bytes);
        return hash.ToHashCode();
    }

    private static bool SameContents(Page a, Page b)
    {
        Span<byte> x = stackalloc byte[Machine.PageSize];
        Span<byte> y = stackalloc byte[Machine.PageSize];
        a.ReadContents(0, x);
        b.ReadContents(0, y);
        return x.SequenceEqual(y);
    }
}
