using MmSim.Diagnostics;
using MmSim.PageFlags;
using MmSim.PageTables;
using MmSim.Physical;
using MmSim.Rmap;
using MmSim.Swap;
using MmSim.Vm;

namespace MmSim.Faults;

/// <summary>
/// do_swap_page() (mm/memory.c, Linux 6.1), entered with the PT lock held. It maps one page per fault: a
/// page read from swap is a small folio, and a THP still in the swap cache is mapped page by page (6.10
/// maps such a folio whole when all its entries agree, which changes no outcome the simulator checks).
/// </summary>
internal static class SwapFault
{
    public static VmFault DoSwapPage(Vma vma, PteSlot slot, Pte entry, ulong address, FaultFlags flags, ref FaultPage newPage)
    {
        var mm = vma.Mm;
        var machine = mm.Machine;
        var swap = machine.Swap;
        MmBug.On(swap is null, $"swap entry at 0x{address:x} on a machine without swap");
        long offset = entry.SwapOffset;
        var folio = swap!.LookupSwapCache(offset);
        if (folio is null)
        {
            if (!newPage.TryTake(Gfp.None, out var fresh))
                return VmFault.NeedPage;
            folio = swap.ReadIntoSwapCache(offset, fresh); // takes its own reference for the cache
            if (folio != fresh)
                fresh.Put();
            else
                mm.Memory.Lru.Add(fresh);
        }
        var found = folio.Value;
        var page = SwapDevice.PageOf(found, offset); // a page of a THP swapped out whole, or the small folio
        found.Lock();
        try
        {
            // the two always-on checks of 78fbe906cc90: the aliased bit must mean nothing here yet
            MmBug.On(!page.IsAnon && page.Test(PG.MappedToDisk), page, "do_swap_page: a non-anon swapcache page with PG_mappedtodisk");
            MmBug.On(page.IsAnon && page.IsAnonExclusive, page, "do_swap_page: an anon swapcache page that is already exclusive");

            bool tracks = machine.Policy.TracksExclusivity;
            bool exclusiveEntry = tracks && entry.IsSwpExclusive;
            bool write = (flags & FaultFlags.Write) != 0;
            swap.Free(offset);
            // should_try_to_free_swap(): a write fault that holds the only other reference frees the slot
            if (write && !found.IsKsm && found.RefCount == 2 && !swap.FolioSwapped(found))
                swap.DeleteFromSwapCache(found);
            int otherUsers = swap.Count(offset) + (page.MapCount);
            bool reuse = machine.Policy.SwapInCanReuse(found, exclusiveEntry, otherUsers);
            bool makeWritable = write && reuse && vma.Flags.HasFlag(VmFlags.Write);
            AnonRmap.PageAddAnonRmap(page, vma, address, exclusive: tracks && reuse);
            MmBug.On(!page.IsAnon || (makeWritable && tracks && !page.IsAnonExclusive), page, "do_swap_page maps a page that is not anon, or writable without being exclusive");
            mm.PageTable.Write(slot, Pte.Present(page.Pfn, makeWritable, dirty: makeWritable));
            return VmFault.Ok; // a write that could not reuse retries into do_wp_page
        }
        finally
        {
            found.Unlock();
        }
    }
}
