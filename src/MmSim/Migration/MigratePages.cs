using System.Collections.Generic;
using MmSim.Diagnostics;
using MmSim.PageFlags;
using MmSim.PageTables;
using MmSim.Physical;
using MmSim.Rmap;
using MmSim.Vm;

namespace MmSim.Migration;

/// <summary>
/// Page migration for small anonymous folios (mm/migrate.c, mm/rmap.c try_to_migrate_one and
/// remove_migration_pte, Linux 6.1). Every entry that maps the folio becomes a migration entry that
/// carries its exclusivity: WRITE (was writable), READ_EXCLUSIVE (exclusive, R/O) or READ. An exclusive
/// page that may be pinned cannot give up exclusivity, so its migration fails early (EBUSY); a folio
/// with references beyond its mappings fails too (EAGAIN in the kernel, reported as EBUSY). Success
/// moves the contents to a new frame, and its place in the swap cache if it has one, and restores every
/// entry, exclusive unless it was READ.
/// </summary>
internal static class MigratePages
{
    /// <summary>
    /// migrate_pages() for one folio the caller holds a reference on, to a frame allocated with
    /// <paramref name="target"/> (movable for move_pages, not movable to leave ZONE_MOVABLE);
    /// null on success, else the errno.
    /// </summary>
    public static Errno? MigrateFolio(Machine machine, Folio folio, Gfp target = Gfp.Movable) =>
        MigrateFolio(machine, folio, () => machine.Memory.AllocFolio(0, target));

    /// <summary>
    /// add_page_for_migration() then migrate_pages() for the page mapped at <paramref name="address"/>: 0, or a
    /// negative errno: -EFAULT (no area), -ENOENT (not present, not anonymous, or freed meanwhile), -EBUSY (not
    /// moved), or -<paramref name="exhausted"/> when <paramref name="newFolio"/> had no frame to give.
    /// </summary>
    public static int MigratePageAt(Mm mm, ulong address, System.Func<Folio?> newFolio, Errno exhausted)
    {
        if (mm.VmaLookup(address) is null)
            return -(int)Errno.EFAULT;
        if (!mm.PageTable.TryGetLeaf(address, out var slot, out bool huge))
            return -(int)Errno.ENOENT;
        var pte = mm.PageTable.Read(slot);
        if (pte.Kind != PteKind.Present || pte.IsSpecial)
            return -(int)Errno.ENOENT;
        var folio = mm.Memory.PfnToPage(PageTable.LeafPfn(pte, huge, address)).Folio;
        if (!folio.IsAnon || !folio.TryRefAdd(1))
            return -(int)Errno.ENOENT;
        try
        {
            bool noFrame = false;
            var error = MigrateFolio(mm.Machine, folio, () =>
            {
                var target = newFolio();
                noFrame = target is null;
                return target;
            });
            return error is null ? 0 : noFrame ? -(int)exhausted : -(int)error;
        }
        finally
        {
            folio.Put();
        }
    }

    /// <summary>migrate_pages() with its get_new_folio() callback, asked for the target once the folio is unmapped.</summary>
    public static Errno? MigrateFolio(Machine machine, Folio folio, System.Func<Folio?> newFolio)
    {
        if (folio.IsLarge || !folio.IsAnon || folio.IsKsm)
            return Errno.EBUSY; // large and KSM folios are not migrated by this simulator yet
        if (!folio.TryLock())
            return Errno.EBUSY;
        try
        {
            var page = folio.Head;
            var unmapped = new List<(Vma Vma, PteSlot Slot)>();
            bool complete = RmapWalk.Anon(page, (vma, address, slot, pte) =>
            {
                if (!MigrationEntries.TryToMigrateOne(machine, vma, slot, pte, page))
                    return false;
                unmapped.Add((vma, slot));
                return true;
            });
            // folio_migrate_mapping(): our reference and the swap cache's are all that may be left
            bool movable = complete && page.MapCount == 0 && folio.RefCount == 1 + (folio.IsSwapCache ? 1 : 0);
            Folio moved = folio;
            if (movable && newFolio() is { } fresh)
            {
                fresh.Head.CopyContentsFrom(page);
                fresh.SetMapping(folio.Mapping);
                fresh.SetIndex(folio.Index);
                fresh.Set(PG.SwapBacked);
                if (folio.Test(PG.Dirty))
                    fresh.Set(PG.Dirty);
                if (folio.IsSwapCache)
                    machine.Swap!.MigrateCached(folio, fresh);
                // folio_migrate_flags() does not copy PG_anon_exclusive: the migration entries carry it
                moved = fresh;
            }
            foreach (var (vma, slot) in unmapped)
                MigrationEntries.RemoveMigrationPte(machine, vma, slot, page, moved.Head, mapUnusedToZeroPage: false);
            if (moved != folio)
            {
                if (!machine.Memory.IsZoneDevice(moved.Head.Pfn))
                    machine.Memory.Lru.Add(moved); // device pages live outside the LRU
                moved.Put(); // the allocation's reference; the restored mappings hold theirs
                folio.SetMapping(PageMapping.None);
                return null;
            }
            return Errno.EBUSY;
        }
        finally
        {
            folio.Unlock();
        }
    }
}
