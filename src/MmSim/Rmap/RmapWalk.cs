using System;
using System.Threading;
using MmSim.PageFlags;
using MmSim.PageTables;
using MmSim.Vm;

namespace MmSim.Rmap;

/// <summary>
/// rmap_walk_anon() (mm/rmap.c): visits every entry that maps an anonymous page (present, or device-private
/// for a page in device memory), through the areas on its
/// anon_vma's chain, under the anon_vma root lock. PT locks are only tried: reclaim must never wait for
/// a lock a faulting thread holds while it allocates, and skips an entry it cannot lock (the kernel
/// skips busy folios the same way).
/// </summary>
internal static class RmapWalk
{
    /// <summary>
    /// Calls <paramref name="visit"/> with each (area, address, slot) whose present entry maps
    /// <paramref name="page"/>, with that slot's PT lock held; <paramref name="visit"/> returns false to stop.
    /// Returns false if the walk stopped, or skipped an entry it could not lock.
    /// </summary>
    public static bool Anon(Page page, Func<Vma, ulong, PteSlot, Pte, bool> visit)
    {
        var folio = page.Folio;
        if (!folio.IsAnon || folio.IsKsm || page.Memory.Mappings.Resolve<AnonVma>(folio.Mapping.ObjectId) is not { } anonVma)
            return false;
        lock (anonVma.Root)
        {
            foreach (var vma in anonVma.Vmas.ToArray())
            {
                ulong index = folio.Index + (ulong)(page.Pfn - folio.Head.Pfn); // page_pgoff(): a subpage of a large folio
                if (vma.TryAddressOf(index, out ulong address) && !VisitEntry(vma, address, page, visit))
                    return false;
            }
        }
        return true;
    }

    /// <summary>
    /// rmap_walk_ksm(): a KSM page's mappings, through the rmap_items of its stable node: each names an anon_vma
    /// and an address, and every area on that anon_vma (the merged process and its children) that covers the
    /// address may map the page there. Same contract as <see cref="Anon"/>.
    /// </summary>
    public static bool Ksm(Page page, Func<Vma, ulong, PteSlot, Pte, bool> visit)
    {
        bool complete = true;
        bool known = KsmAddresses(page, (vma, address) => complete = complete && VisitEntry(vma, address, page, visit));
        return known && complete;
    }

    /// <summary>
    /// Each (area, address) where the stable node's rmap_items say the KSM page may be mapped, once, with the
    /// anon_vma's root lock held; false if the page has no stable node.
    /// </summary>
    public static bool KsmAddresses(Page page, Action<Vma, ulong> visit)
    {
        if (!page.IsKsm || page.Memory.Mappings.Resolve<Ksm.StableNode>(page.Folio.Mapping.ObjectId) is not { } node)
            return false;
        var seen = new System.Collections.Generic.HashSet<(Vma, ulong)>();
        foreach (var (anonVma, address) in node.RmapItems)
        {
            lock (anonVma.Root)
            {
                foreach (var vma in anonVma.Vmas.ToArray())
                {
                    if (vma.Contains(address) && seen.Add((vma, address)))
                        visit(vma, address);
                }
            }
        }
        return true;
    }

    /// <summary>page_vma_mapped_walk() at one address: <paramref name="visit"/> under the PT lock if the entry maps the page; false to stop.</summary>
    private static bool VisitEntry(Vma vma, ulong address, Page page, Func<Vma, ulong, PteSlot, Pte, bool> visit)
    {
        var pageTable = vma.Mm.PageTable;
        if (!pageTable.TryGetPteSlot(address, out var slot))
            return true;
        object ptl = pageTable.PtLock(slot);
        if (Monitor.IsEntered(ptl) || !Monitor.TryEnter(ptl))
            return false;
        try
        {
            var pte = pageTable.Read(slot);
            return !Maps(pte, page) || visit(vma, address, slot, pte);
        }
        finally
        {
            Monitor.Exit(ptl);
        }
    }

    /// <summary>
    /// The PMD step of page_vma_mapped_walk(): calls <paramref name="visit"/> with each (area, address, PMD slot, PMD)
    /// whose huge PMD maps the THP <paramref name="folio"/> whole, with that PMD's lock held; same contract as
    /// <see cref="Anon"/>.
    /// </summary>
    public static bool AnonPmds(Folio folio, Func<Vma, ulong, PteSlot, Pte, bool> visit)
    {
        if (folio.EntireMapcount == 0)
            return true;
        if (!folio.IsAnon || folio.IsKsm || folio.Head.Memory.Mappings.Resolve<AnonVma>(folio.Mapping.ObjectId) is not { } anonVma)
            return false;
        lock (anonVma.Root)
        {
            foreach (var vma in anonVma.Vmas.ToArray())
            {
                if (!vma.TryAddressOf(folio.Index, out ulong address) || !vma.Mm.PageTable.TryGetPmdSlot(address, out var pmdSlot))
                    continue;
                var pageTable = vma.Mm.PageTable;
                object pmdLock = pageTable.PtLock(pmdSlot);
                if (Monitor.IsEntered(pmdLock) || !Monitor.TryEnter(pmdLock))
                    return false;
                try
                {
                    var pmd = pageTable.Read(pmdSlot);
                    if (pmd.Kind != PteKind.Present || !pmd.IsHuge || pmd.IsSpecial || pmd.Pfn != folio.Head.Pfn)
                        continue;
                    if (!visit(vma, address, pmdSlot, pmd))
                        return false;
                }
                finally
                {
                    Monitor.Exit(pmdLock);
                }
            }
        }
        return true;
    }

    /// <summary>A present entry of the page, or a device-private entry naming it (a page the CPU cannot reach is mapped all the same).</summary>
    private static bool Maps(Pte pte, Page page) => pte.Kind switch
    {
        PteKind.Present => !pte.IsSpecial && pte.Pfn == page.Pfn,
        PteKind.DevicePrivate => pte.EntryPfn == page.Pfn,
        _ => false,
    };
}
