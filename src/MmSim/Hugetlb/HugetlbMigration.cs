using System;
using MmSim.Diagnostics;
using MmSim.Migration;
using MmSim.PageFlags;
using MmSim.Vm;

namespace MmSim.Hugetlb;

/// <summary>
/// unmap_and_move_huge_page() (mm/migrate.c) for an anonymous hugetlb folio: every huge entry that maps it becomes
/// one migration entry of its size that carries the head's exclusivity (try_to_migrate_one(), hugetlb branch),
/// the contents go to a free page of the same pool (alloc_hugetlb_folio_nodemask(): never a reserved one), and
/// remove_migration_pte() maps the new page, exclusive unless the entry was READ. A maybe-pinned exclusive page
/// cannot give up its exclusivity (hugetlb_try_share_anon_rmap()), so it stays where it is.
/// </summary>
internal static class HugetlbMigration
{
    /// <summary>Migrates <paramref name="folio"/>, which the caller holds a reference on; null on success, else EBUSY.</summary>
    public static Errno? Migrate(Machine machine, Folio folio, Func<Folio?> newFolio)
    {
        if (!folio.TryLock())
            return Errno.EBUSY;
        try
        {
            // try_to_migrate_one(), hugetlb branch: each huge entry that maps the page, as a THP's PMD is (set_pmd_migration_entry)
            bool complete = HugetlbRmap.Walk(folio, (vma, slot) =>
                vma.Mm.PageTable.Read(slot) is not { IsPresent: true } entry || entry.Pfn != folio.Head.Pfn ||
                MigrationEntries.TryToMigrateOnePmd(machine, vma, slot, entry, folio));
            var moved = folio;
            if (complete && folio.EntireMapcount == 0 && folio.RefCount == 1 && newFolio() is { } fresh)
            {
                MmBug.On(!fresh.IsHugetlb || fresh.Order != folio.Order, fresh.Head, $"migration target of order {fresh.Order} for a hugetlb page of order {folio.Order}");
                fresh.CopyContentsFrom(folio); // folio_mc_copy()
                fresh.SetMapping(folio.Mapping);
                fresh.SetIndex(folio.Index);
                if (folio.Test(PG.Dirty))
                    fresh.Set(PG.Dirty);
                moved = fresh;
            }
            HugetlbRmap.Walk(folio, (vma, slot) =>
            {
                MigrationEntries.RemoveMigrationPmd(machine, vma, slot, folio, moved);
                return true;
            });
            if (moved == folio)
                return Errno.EBUSY;
            moved.Put(); // the allocation's reference; the restored mappings hold theirs
            folio.SetMapping(PageMapping.None);
            return null;
        }
        finally
        {
            folio.Unlock();
        }
    }
}
