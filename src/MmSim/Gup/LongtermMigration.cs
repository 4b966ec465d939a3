using System.Collections.Generic;
using MmSim.PageFlags;
using MmSim.Physical;

namespace MmSim.Gup;

/// <summary>
/// check_and_migrate_movable_pages() (mm/gup.c): a long-term pin must not hold a page in ZONE_MOVABLE, or
/// the zone could never be emptied (memory hot-unplug, CMA). After GUP took the pages, any that is not
/// long-term pinnable is migrated out: every pin is dropped, each such folio moves to a frame allocated
/// without __GFP_MOVABLE, and GUP starts over (-EAGAIN), finding the new frames in the page tables. A THP moves
/// whole to a THP in ZONE_NORMAL; with none free it is split, as migrate_pages() splits a folio it cannot move
/// whole, and its pages move when GUP finds them again. A 2 MiB hugetlb page (its pool prefers ZONE_MOVABLE) moves
/// to a free page of its pool outside it. A folio that cannot be moved (another reference or pin holds it, no
/// normal memory, no hugetlb page to move to: there are no surplus pages) fails the pin with ENOMEM.
/// </summary>
internal static class LongtermMigration
{
    /// <summary>folio_is_longterm_pinnable(): not in ZONE_MOVABLE (hugetlb, KSM and zero pages included, as they are elsewhere).</summary>
    public static bool IsLongtermPinnable(Page page) => !page.Memory.IsZoneMovable(page.Folio.Head.Pfn);

    /// <summary>
    /// True if every page may stay pinned; else the pins are released, the offending folios migrated, and the
    /// caller must take the pages again. Throws ENOMEM, with the pins released, if a folio cannot move.
    /// </summary>
    public static bool CheckAndMigrate(Machine machine, Page[] pages, GupGrab grab)
    {
        var unpinnable = new List<Folio>();
        foreach (var page in pages)
        {
            if (!IsLongtermPinnable(page) && !unpinnable.Contains(page.Folio))
                unpinnable.Add(page.Folio);
        }
        if (unpinnable.Count == 0)
            return true;
        foreach (var folio in unpinnable)
            folio.RefAdd(1); // collect_longterm_unpinnable_folios() isolates them: they stay allocated while unpinned
        foreach (var page in pages)
            grab.Release(page, tracksExclusivity: false); // unpin all, as migrate_longterm_unpinnable_folios() does
        string? failure = null;
        foreach (var folio in unpinnable)
        {
            if (failure is null)
                failure = Migrate(machine, folio);
            folio.Put();
        }
        if (failure is not null)
            throw new MmException(Errno.ENOMEM, $"a long-term pin could not move a page out of ZONE_MOVABLE: {failure}");
        return false;
    }

    /// <summary>migrate_pages() to a non-movable folio; null on success, else why not.</summary>
    private static string? Migrate(Machine machine, Folio folio)
    {
        var error = Migration.MigratePages.MigrateFolio(machine, folio, Gfp.None);
        if (error is null)
            return null;
        // no THP free outside ZONE_MOVABLE: split, and the pages migrate when GUP finds them again
        if (error == Errno.ENOMEM && folio.IsLarge)
            return Thp.FolioSplit.TryLockAndSplit(machine, folio) ? null : $"the THP at pfn 0x{folio.Head.Pfn:x} could not be split (it has other references)";
        return $"pfn 0x{folio.Head.Pfn:x} did not migrate ({error})";
    }
}
