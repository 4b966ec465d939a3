using System.Collections.Generic;
using MmSim.Diagnostics;
using MmSim.PageFlags;
using MmSim.PageTables;
using MmSim.Physical;
using MmSim.Rmap;
using MmSim.Vm;

namespace MmSim.Migration;

/// <summary>
/// Page migration of anonymous folios, small and THP (mm/migrate.c, mm/rmap.c try_to_migrate_one and
/// remove_migration_pte). Every entry that maps the folio becomes a migration entry that carries its
/// exclusivity: WRITE (was writable), READ_EXCLUSIVE (exclusive, R/O) or READ; a PMD that maps a THP whole
/// becomes one PMD migration entry (THP migration, CONFIG_ARCH_ENABLE_THP_MIGRATION). An exclusive page that
/// may be pinned cannot give up exclusivity, so its migration fails early (EBUSY); a folio with references
/// beyond its mappings fails too (EAGAIN in the kernel, reported as EBUSY). Success moves the contents to a new
/// folio of the same order, and its place in the swap cache if it has one, and restores every entry, found
/// again through the rmap, exclusive unless it was READ.
/// </summary>
internal static class MigratePages
{
    /// <summary>
    /// migrate_pages() for one folio the caller holds a reference on, to a folio of its order allocated with
    /// <paramref name="target"/> (movable for move_pages, not movable to leave ZONE_MOVABLE); null on
    /// success, else the errno: ENOMEM when no folio of that order was free.
    /// </summary>
    public static Errno? MigrateFolio(Machine machine, Folio folio, Gfp target = Gfp.Movable)
    {
        bool noFrame = false;
        var error = MigrateFolio(machine, folio, () =>
        {
            var fresh = AllocLike(machine, folio, target);
            noFrame = fresh is null;
            return fresh;
        });
        return error is not null && noFrame ? Errno.ENOMEM : error;
    }

    /// <summary>
    /// alloc_migration_target(): a folio of <paramref name="like"/>'s order, a THP for a THP, and for a hugetlb page a
    /// free, unreserved page of its pool (alloc_hugetlb_folio_nodemask()).
    /// </summary>
    public static Folio? AllocLike(Machine machine, Folio like, Gfp gfp) =>
        like.IsHugetlb ? machine.HstateOf(like).Alloc(useReservation: false, movable: (gfp & Gfp.Movable) != 0)
        : like.IsLarge ? machine.Memory.AllocFolio(like.Order, gfp, CompoundDtor.TransHuge)
        : machine.Memory.AllocFolio(0, gfp);

    /// <summary>
    /// add_folio_for_migration() then migrate_pages() for the folio mapped at <paramref name="address"/>: 0, or a
    /// negative errno: -EFAULT (no area), -ENOENT (not present, not anonymous, or freed meanwhile), -EBUSY (not
    /// moved), or -<paramref name="exhausted"/> when <paramref name="newFolio"/> had no folio of the order asked
    /// for. A THP moves whole, once per call: <paramref name="movedLarge"/> holds the THPs this call has moved
    /// (null: THPs are left where they are). A THP with no free THP to move to is split, and the page at
    /// <paramref name="address"/> moves alone, as migrate_pages_batch() splits on -ENOMEM.
    /// </summary>
    public static int MigratePageAt(Mm mm, ulong address, System.Func<Folio, Folio?> newFolio, Errno exhausted, ISet<long>? movedLarge)
    {
        if (mm.VmaLookup(address) is null)
            return -(int)Errno.EFAULT;
        if (!mm.PageTable.TryGetLeaf(address, out var slot, out int shift))
            return -(int)Errno.ENOENT;
        var pte = mm.PageTable.Read(slot);
        if (pte.Kind != PteKind.Present || pte.IsSpecial)
            return -(int)Errno.ENOENT;
        var folio = mm.Memory.PfnToPage(PageTable.LeafPfn(pte, shift, address)).Folio;
        if (folio.IsLarge && (movedLarge is null || movedLarge.Contains(folio.Head.Pfn)))
            return movedLarge is null ? -(int)Errno.EBUSY : 0; // isolated once: the folio is moved already
        if (!folio.IsAnon || !folio.TryRefAdd(1))
            return -(int)Errno.ENOENT;
        try
        {
            Folio? moved = null;
            bool asked = false;
            var error = MigrateFolio(mm.Machine, folio, () =>
            {
                asked = true;
                return moved = newFolio(folio);
            });
            if (error is null && moved is { IsLarge: true } large)
                movedLarge!.Add(large.Head.Pfn);
            if (error is null || !asked || moved is not null)
                return error is null ? 0 : -(int)error;
            if (!folio.IsLarge || !Thp.FolioSplit.TryLockAndSplit(mm.Machine, folio))
                return -(int)exhausted;
        }
        finally
        {
            folio.Put();
        }
        return MigratePageAt(mm, address, newFolio, exhausted, movedLarge); // a small folio now
    }

    /// <summary>
    /// migrate_pages() with its get_new_folio() callback, asked for the target once the folio is unmapped; the
    /// target must have the folio's order. A KSM page moves with its stable node (folio_migrate_ksm), a folio in
    /// the swap cache with its slots, a hugetlb page to a free page of its pool (<see cref="Hugetlb.HugetlbMigration"/>).
    /// </summary>
    public static Errno? MigrateFolio(Machine machine, Folio folio, System.Func<Folio?> newFolio)
    {
        if (!folio.IsAnon)
            return Errno.EBUSY;
        if (folio.IsHugetlb)
            return Hugetlb.HugetlbMigration.Migrate(machine, folio, newFolio);
        if (!folio.TryLock())
            return Errno.EBUSY;
        try
        {
            bool complete = TryToMigrate(machine, folio);
            // folio_migrate_mapping(): our reference and the swap cache's (one per page) are all that may be left
            bool movable = complete && !FolioSharing.Mapped(folio) && folio.RefCount == 1 + (folio.IsSwapCache ? folio.NrPages : 0);
            var moved = folio;
            if (movable && newFolio() is { } fresh)
            {
                MmBug.On(fresh.Order != folio.Order, fresh.Head, $"migration target of order {fresh.Order} for a folio of order {folio.Order}");
                fresh.CopyContentsFrom(folio); // folio_mc_copy()
                fresh.SetMapping(folio.Mapping);
                fresh.SetIndex(folio.Index);
                fresh.Set(PG.SwapBacked);
                if (folio.Test(PG.Dirty))
                    fresh.Set(PG.Dirty);
                if (folio.IsSwapCache)
                    machine.Swap!.MigrateCached(folio, fresh);
                if (folio.IsKsm)
                    Ksm.KsmScanner.FolioMigrateKsm(folio, fresh);
                // folio_migrate_flags() does not copy PG_anon_exclusive: the migration entries carry it
                moved = fresh;
            }
            MigrationEntries.RemoveMigrationPtes(machine, folio, moved); // finds nothing if nothing was unmapped
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

    /// <summary>
    /// try_to_migrate(folio, 0): every PMD that maps the THP whole, then every PTE that maps one of its pages,
    /// becomes a migration entry; false if one could not (pinned, or a PT lock was busy).
    /// </summary>
    private static bool TryToMigrate(Machine machine, Folio folio)
    {
        bool complete = !folio.IsLarge || RmapWalk.AnonPmds(folio, (vma, _, pmdSlot, pmd) =>
            MigrationEntries.TryToMigrateOnePmd(machine, vma, pmdSlot, pmd, folio));
        for (int i = 0; complete && i < folio.NrPages; i++)
        {
            var page = folio.Page(i);
            if (page.PteMapCount == 0)
                continue;
            bool Unmap(Vma vma, ulong address, PteSlot slot, Pte pte) => MigrationEntries.TryToMigrateOne(machine, vma, slot, pte, page);
            complete = folio.IsKsm ? RmapWalk.Ksm(page, Unmap) : RmapWalk.Anon(page, Unmap);
        }
        return complete;
    }
}
