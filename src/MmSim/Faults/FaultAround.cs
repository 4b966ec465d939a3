using MmSim.PageTables;
using MmSim.Rmap;
using MmSim.Vm;

namespace MmSim.Faults;

/// <summary>
/// do_fault_around() -> filemap_map_pages() (mm/memory.c, mm/filemap.c): a read fault on a file
/// mapping also maps the pages around it that the page cache already holds, within the 64 KiB
/// (fault_around_bytes) window of the faulting address, clipped to the area and to one page table.
/// </summary>
internal static class FaultAround
{
    private const int Pages = 16; // fault_around_bytes / PAGE_SIZE

    /// <summary>Maps the cached neighbours of <paramref name="slot"/>; the caller holds its PT lock and maps the faulting page itself.</summary>
    public static void MapCachedNeighbours(Vma vma, PteSlot slot, ulong address, bool writable)
    {
        var pageTable = vma.Mm.PageTable;
        int pteOff = slot.Index;
        int vmaOff = (int)((address - vma.Start) >> PageTable.PageShift);
        int from = System.Math.Max(pteOff & ~(Pages - 1), pteOff - System.Math.Min(pteOff, vmaOff));
        int vmaEnd = pteOff + (int)System.Math.Min((vma.End - address) >> PageTable.PageShift, PageTable.PtrsPerTable);
        int to = System.Math.Min(System.Math.Min(from + Pages, PageTable.PtrsPerTable), vmaEnd);
        for (int i = from; i < to; i++)
        {
            var neighbour = slot with { Index = i };
            if (i == pteOff || pageTable.Read(neighbour).Kind != PteKind.None)
                continue;
            ulong at = (ulong)((long)address + ((long)(i - pteOff) << PageTable.PageShift));
            if (vma.File!.Peek(vma.LinearPageIndex(at)) is not { } cached)
                continue; // only what is cached: fault-around never reads in or allocates
            // set_pte_range() for a prefault: the area's protection, never dirty
            cached.Get();
            AnonRmap.PageAddFileRmap(cached.Head, vma);
            pageTable.Write(neighbour, Pte.Present(cached.Head.Pfn, writable, dirty: false));
        }
    }
}
