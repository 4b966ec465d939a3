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
                if (!vma.TryAddressOf(index, out ulong address))
                    continue;
                var pageTable = vma.Mm.PageTable;
                if (!pageTable.TryGetPteSlot(address, out var slot))
                    continue;
                object ptl = pageTable.PtLock(slot);
                if (Monitor.IsEntered(ptl) || !Monitor.TryEnter(ptl))
                    return false;
                try
                {
                    var pte = pageTable.Read(slot);
                    if (!Maps(pte, page))
                        continue;
                    if (!visit(vma, address, slot, pte))
                        return false;
                }
                finally
                {
                    Monitor.Exit(ptl);
                }
            }
        }
        return true;
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
