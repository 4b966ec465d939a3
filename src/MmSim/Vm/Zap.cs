using MmSim.Faults;
using MmSim.PageTables;
using MmSim.Rmap;
using MmSim.Thp;

namespace MmSim.Vm;

/// <summary>
/// zap_pte_range() (mm/memory.c): clears the entries of a range and drops what they held. The pages
/// keep PG_anon_exclusive: a pinned page outlives its mapping with the flag still set.
/// </summary>
internal static class Zap
{
    /// <summary>
    /// free_swap_and_cache(): one entry less names the slot; if only the swap cache still holds it and
    /// nothing else uses the cached folio, the folio leaves the cache and is freed (__try_to_reclaim_swap).
    /// </summary>
    public static void FreeSwapAndCache(Machine machine, long offset)
    {
        var swap = machine.Swap!;
        swap.Free(offset);
        if (swap.Count(offset) != 0 || swap.LookupSwapCache(offset) is not { } folio)
            return;
        swap.TryFreeSwapCache(folio);
        folio.Put();
    }

    /// <summary>unmap_single_vma(): the entries of [start, end) in <paramref name="vma"/> go.</summary>
    public static void Range(Vma vma, ulong start, ulong end)
    {
        if (vma.IsHugetlb)
        {
            Hugetlb.HugetlbUnmap.Range(vma, start, end);
            return;
        }
        HugePmd.SplitPartial(vma, start, end); // zap_pmd_range(): a THP only partly in the range is split
        var pageTable = vma.Mm.PageTable;
        for (ulong address = start; address < end; address += Machine.PageSize)
        {
            if (!pageTable.TryGetLeaf(address, out var slot, out int shift))
            {
                address = (address | (PageTable.PmdSize - 1)) + 1 - Machine.PageSize; // skip the missing table
                continue;
            }
            ulong next = System.Math.Min((address | (PageTable.PmdSize - 1)) + 1, end);
            lock (pageTable.PtLock(slot))
            {
                if (shift != PageTable.PageShift)
                {
                    var pmd = pageTable.Read(slot);
                    if (pmd.IsHuge || pmd.IsSwapPmd)
                        HugePmd.Zap(vma, slot, pmd);
                }
                else
                {
                    // zap_pte_range(): the whole extent of this PTE table under one lock
                    for (int i = 0; i < (int)((next - address) >> PageTable.PageShift); i++)
                        Entry(vma, slot with { Index = slot.Index + i });
                }
            }
            address = next - Machine.PageSize;
        }
    }

    /// <summary>zap_pte_range() for one entry; the caller holds its PT lock.</summary>
    public static void Entry(Vma vma, PteSlot slot)
    {
        var pageTable = vma.Mm.PageTable;
        var pte = pageTable.Read(slot);
        switch (pte.Kind)
        {
            case PteKind.None:
                return;
            case PteKind.Present:
                pageTable.Write(slot, Pte.None);
                if (FaultHandler.VmNormalPage(vma.Mm, pte) is { } page)
                {
                    if (!page.IsAnon && pte.IsDirty)
                        page.Folio.Set(PageFlags.PG.Dirty);
                    AnonRmap.PageRemoveRmap(page, vma);
                    vma.Mm.Machine.Swap?.TryFreeSwapCache(page.Folio); // free_pages_and_swap_cache()
                    page.Folio.Put();
                }
                return;
            case PteKind.Swap:
                pageTable.Write(slot, Pte.None);
                FreeSwapAndCache(vma.Mm.Machine, pte.SwapOffset);
                return;
            case PteKind.DevicePrivate:
            case PteKind.DeviceExclusive:
            {
                // zap_nonpresent_ptes(): the page (in device memory, or ordinary memory a device holds) loses this mapping and its reference
                pageTable.Write(slot, Pte.None);
                var device = vma.Mm.Memory.PfnToPage(pte.EntryPfn);
                AnonRmap.PageRemoveRmap(device, vma);
                device.Folio.Put();
                return;
            }
            case PteKind.Migration:
            case PteKind.HwPoison:
            case PteKind.Marker:
            case PteKind.SwapinError:
                pageTable.Write(slot, Pte.None); // no such entries hold resources on this machine yet
                return;
        }
    }
}
