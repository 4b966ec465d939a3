using MmSim.PageFlags;

namespace MmSim.Migration;

/// <summary>
/// compact_zone() (mm/compaction.c) as /proc/sys/vm/compact_memory runs it, for every zone: a migration
/// scanner walks up from the zone's start and moves each movable page it finds to the highest free page the
/// free scanner finds above it, until the two meet, so that free memory gathers at the bottom in blocks a
/// THP can use. Only what migrate_pages() can move moves: small anonymous pages on the LRU, KSM pages
/// included. A pinned page, a THP (compaction skips compound pages outside alloc_contig) or a page-table
/// page stays where it is and keeps its block from being freed whole.
/// </summary>
internal static class Compaction
{
    /// <summary>Compacts every zone; returns the pages moved.</summary>
    public static int CompactMemory(Machine machine)
    {
        var memory = machine.Memory;
        int moved = CompactZone(machine, 1, memory.MovableStart);
        if (memory.MovableStart < memory.DeviceStart)
            moved += CompactZone(machine, memory.MovableStart, memory.DeviceStart); // device memory is no zone to compact
        return moved;
    }

    private static int CompactZone(Machine machine, int start, int end)
    {
        var memory = machine.Memory;
        int moved = 0;
        for (int pfn = start; pfn < end; pfn++)
        {
            var page = new Page(memory, pfn);
            if (page.IsBuddy || !IsMigratable(page) || !page.Folio.TryRefAdd(1))
                continue;
            var folio = page.Folio;
            bool metFreeScanner = false;
            try
            {
                // isolate_migratepages_block() checked the page without a reference; check again with one
                if (!IsMigratable(page))
                    continue;
                var error = MigratePages.MigrateFolio(machine, folio, () =>
                {
                    var target = memory.AllocHighestAbove(pfn);
                    metFreeScanner = target is null;
                    return target;
                });
                if (error is null)
                    moved++;
            }
            finally
            {
                folio.Put();
            }
            if (metFreeScanner)
                break; // compact_finished(): the scanners met
        }
        return moved;
    }

    /// <summary>What isolate_migratepages_block() takes: a small anonymous (or KSM) folio on the LRU.</summary>
    private static bool IsMigratable(Page page)
    {
        var folio = page.Folio;
        return folio.Head.Pfn == page.Pfn && !folio.IsLarge && folio.IsAnon && folio.Test(PG.Lru);
    }
}
