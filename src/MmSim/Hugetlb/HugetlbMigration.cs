using System;
using MmSim.Diagnostics;
using MmSim.Migration;
using MmSim.PageFlags;
using MmSim.PageTables;
using MmSim.Rmap;
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
            bool complete = HugetlbRmap.Walk(folio, (vma, slot) => TryToMigrateOne(machine, vma, slot, folio));
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
            HugetlbRmap.Walk(folio, (vma, slot) => RemoveMigrationEntry(machine, vma, slot, folio, moved));
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

    /// <summary>try_to_migrate_one() for a hugetlb entry, PT lock held: false if the page may be pinned.</summary>
    private static bool TryToMigrateOne(Machine machine, Vma vma, PteSlot slot, Folio folio)
    {
        var pageTable = vma.Mm.PageTable;
        var entry = pageTable.Read(slot);
        if (!entry.IsPresent || entry.Pfn != folio.Head.Pfn)
            return true; // not mapped here
        var head = folio.Head;
        bool exclusive = machine.Policy.TracksExclusivity && head.IsAnonExclusive;
        MmBug.On(entry.IsWrite && machine.Policy.TracksExclusivity && !exclusive, head, "try_to_migrate_one: a writable hugetlb page that is not exclusive");
        pageTable.Write(slot, Pte.None); // huge_ptep_clear_flush(): GUP-fast can no longer find the page
        if (exclusive && !AnonRmap.PageTryShareAnonRmap(head)) // hugetlb_try_share_anon_rmap()
        {
            pageTable.Write(slot, entry);
            return false;
        }
        if (entry.IsDirty)
            folio.Set(PG.Dirty);
        pageTable.Write(slot, Pte.NonPresent(MigrationEntries.EntryType(entry.IsWrite, exclusive), head.Pfn));
        folio.AddHugetlbEntireMapcount(-1); // hugetlb_remove_rmap()
        folio.Put();
        return true;
    }

    /// <summary>remove_migration_pte() for a hugetlb entry that still names <paramref name="old"/>: it maps <paramref name="target"/> whole.</summary>
    private static bool RemoveMigrationEntry(Machine machine, Vma vma, PteSlot slot, Folio old, Folio target)
    {
        var pageTable = vma.Mm.PageTable;
        var entry = pageTable.Read(slot);
        if (entry.Kind != PteKind.Migration || entry.EntryPfn != old.Head.Pfn)
            return true; // zapped meanwhile, or never there
        bool write = entry.Type == SwapEntryType.MigrationWrite;
        target.Get();
        HugetlbRmap.AddAnonRmap(target, exclusive: machine.Policy.TracksExclusivity && entry.Type != SwapEntryType.MigrationRead);
        pageTable.Write(slot, Pte.HugetlbLeaf(target.Head.Pfn, write && vma.Flags.HasFlag(VmFlags.Write), dirty: write));
        return true;
    }
}
