using System;
using MmSim.PageFlags;
using MmSim.PageTables;
using MmSim.Rmap;
using MmSim.Vm;

namespace MmSim.Hugetlb;

/// <summary>
/// rmap_walk_anon() for an anonymous hugetlb folio: every hugetlb area on its anon_vma's chain that covers the
/// folio's index may map it there by one huge entry of the area's page size (page_vma_mapped_walk() with
/// huge_pte_offset()). Hugetlb entries never split, so one entry is the whole mapping.
/// </summary>
internal static class HugetlbRmap
{
    /// <summary>
    /// Calls <paramref name="visit"/> with each area and slot where <paramref name="folio"/> may be mapped, with the
    /// slot's PT lock and the anon_vma root lock held (a fork cannot copy an entry meanwhile); the visitor reads the
    /// entry and returns false to stop. Returns false if it stopped.
    /// </summary>
    public static bool Walk(Folio folio, Func<Vma, PteSlot, bool> visit)
    {
        if (!folio.IsHugetlb || !folio.IsAnon || folio.Memory.Mappings.Resolve<AnonVma>(folio.Mapping.ObjectId) is not { } anonVma)
            return true;
        lock (anonVma.Root)
        {
            foreach (var vma in anonVma.Vmas.ToArray())
            {
                if (vma.Hstate?.Order != folio.Order || !vma.TryAddressOf(folio.Index, out ulong address) ||
                    !vma.Mm.PageTable.TryGetHugePteSlot(address, vma.Hstate.Shift, out var slot))
                    continue;
                lock (vma.Mm.PageTable.PtLock(slot))
                {
                    if (!visit(vma, slot))
                        return false;
                }
            }
        }
        return true;
    }
}
