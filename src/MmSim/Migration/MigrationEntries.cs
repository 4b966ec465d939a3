using System;
using MmSim.Diagnostics;
using MmSim.PageFlags;
using MmSim.PageTables;
using MmSim.Rmap;
using MmSim.Vm;

namespace MmSim.Migration;

/// <summary>
/// Migration entries (mm/rmap.c try_to_migrate_one, mm/migrate.c remove_migration_pte): an entry that maps a
/// page is replaced by one that carries its exclusivity, WRITE (was writable), READ_EXCLUSIVE (exclusive, R/O)
/// or READ, and later restored to the same page or to its new copy. A PMD that maps a THP whole becomes one
/// PMD migration entry (set_pmd_migration_entry / remove_migration_pmd), its exclusivity that of the head.
/// Page migration, device migration and folio split share them.
/// </summary>
internal static class MigrationEntries
{
    /// <summary>try_to_migrate_one(), PT lock held: the entry becomes a migration entry, or stays if the page may be pinned.</summary>
    public static bool TryToMigrateOne(Machine machine, Vma vma, PteSlot slot, Pte pte, Page page)
    {
        var pageTable = vma.Mm.PageTable;
        bool exclusive = machine.Policy.TracksExclusivity && page.IsAnonExclusive;
        // a device-private entry is writable by its type (is_writable_device_private_entry())
        bool writable = pte.Kind == PteKind.DevicePrivate ? pte.Type == SwapEntryType.DeviceWrite : pte.IsWrite;
        MmBug.On(writable && machine.Policy.TracksExclusivity && !exclusive, page, "try_to_migrate_one: a writable anon page that is not exclusive");
        pageTable.Write(slot, Pte.None); // ptep_clear_flush(): GUP-fast can no longer find the page
        // see page_try_share_anon_rmap(): clear the PTE first; a maybe-pinned page fails the migration early
        if (exclusive && !AnonRmap.PageTryShareAnonRmap(page))
        {
            pageTable.Write(slot, pte);
            return false;
        }
        if (pte.IsDirty)
            page.Folio.Set(PG.Dirty);
        pageTable.Write(slot, Pte.NonPresent(EntryType(writable, exclusive), page.Pfn));
        AnonRmap.PageRemoveRmap(page, vma);
        page.Folio.Put();
        return true;
    }

    /// <summary>
    /// remove_migration_pte(): a migration entry that still names <paramref name="old"/> maps <paramref name="target"/>
    /// again, writable for WRITE, exclusive (RMAP_EXCLUSIVE) unless READ. With <paramref name="mapUnusedToZeroPage"/>
    /// (a folio split, 6.12) a target that holds only zeros is not mapped: the entry maps the shared zero page,
    /// R/O, as try_to_map_unused_to_zeropage() does.
    /// </summary>
    public static void RemoveMigrationPte(Machine machine, Vma vma, PteSlot slot, Page old, Page target, bool mapUnusedToZeroPage)
    {
        var pageTable = vma.Mm.PageTable;
        lock (pageTable.PtLock(slot))
        {
            var entry = pageTable.Read(slot);
            if (entry.Kind != PteKind.Migration || entry.EntryPfn != old.Pfn)
                return; // zapped meanwhile
            if (mapUnusedToZeroPage && target.Memory.Contents(target.Index).IndexOfAnyExcept((byte)0) < 0)
            {
                pageTable.Write(slot, Pte.Present(machine.Memory.ZeroPage.Pfn, write: false, special: true));
                return;
            }
            bool write = entry.Type == SwapEntryType.MigrationWrite;
            bool exclusive = machine.Policy.TracksExclusivity && entry.Type != SwapEntryType.MigrationRead;
            target.Folio.Get();
            AnonRmap.PageAddAnonRmap(target, vma, 0, exclusive);
            if (machine.Memory.IsZoneDevice(target.Pfn))
            {
                // a page now in device memory: a device-private entry, writable as the migration entry was
                var type = write && vma.Flags.HasFlag(VmFlags.Write) ? SwapEntryType.DeviceWrite : SwapEntryType.DeviceRead;
                pageTable.Write(slot, Pte.NonPresent(type, target.Pfn));
                return;
            }
            pageTable.Write(slot, Pte.Present(target.Pfn, write && vma.Flags.HasFlag(VmFlags.Write), dirty: write));
        }
    }

    /// <summary>make_writable_migration_entry() / _readable_exclusive_ / _readable_: what the entry remembers.</summary>
    internal static SwapEntryType EntryType(bool writable, bool exclusive) =>
        writable ? SwapEntryType.MigrationWrite
        : exclusive ? SwapEntryType.MigrationReadExclusive
        : SwapEntryType.MigrationRead;

    /// <summary>
    /// set_pmd_migration_entry(), PMD lock held: the huge PMD becomes a PMD migration entry for the head, or stays
    /// if the THP may be pinned. The deposited page table stays with it. The hugetlb branch of try_to_migrate_one()
    /// does the same to a hugetlb page's PMD or PUD (hugetlb_try_share_anon_rmap()).
    /// </summary>
    public static bool TryToMigrateOnePmd(Machine machine, Vma vma, PteSlot pmdSlot, Pte pmd, Folio folio)
    {
        var pageTable = vma.Mm.PageTable;
        var head = folio.Head;
        bool exclusive = machine.Policy.TracksExclusivity && head.IsAnonExclusive;
        MmBug.On(pmd.IsWrite && machine.Policy.TracksExclusivity && !exclusive, head, "set_pmd_migration_entry: a writable huge page that is not exclusive");
        // pmdp_invalidate(): GUP-fast can no longer find the THP; the PMD never reads empty meanwhile, or a
        // racing fault would take it for pmd_none and install a THP of its own
        pageTable.Write(pmdSlot, Pte.NonPresent(EntryType(pmd.IsWrite, exclusive), head.Pfn));
        if (exclusive && !AnonRmap.PageTryShareAnonRmap(head))
        {
            pageTable.Write(pmdSlot, pmd);
            return false;
        }
        if (pmd.IsDirty)
            folio.Set(PG.Dirty);
        AnonRmap.PageRemoveRmapPmd(folio, vma);
        folio.Put();
        return true;
    }

    /// <summary>
    /// remove_migration_ptes(): every migration entry that names a page of <paramref name="old"/>, found through
    /// the rmap as the kernel finds them (so that an entry a fork copied, an mremap moved or a split broke up is
    /// found too), maps the same page of <paramref name="target"/> again. A PMD migration entry becomes a huge
    /// PMD (remove_migration_pmd); PTE entries map the subpages.
    /// </summary>
    public static void RemoveMigrationPtes(Machine machine, Folio old, Folio target)
    {
        if (old.IsKsm)
        {
            // rmap_walk_ksm(): the entries sit where the stable node's rmap_items say
            RmapWalk.KsmAddresses(old.Head, (vma, address) =>
            {
                if (vma.Mm.PageTable.TryGetPteSlot(address, out var slot))
                    RemoveMigrationPte(machine, vma, slot, old.Head, target.Head, mapUnusedToZeroPage: false);
            });
            return;
        }
        if (old.Head.Memory.Mappings.Resolve<AnonVma>(old.Mapping.ObjectId) is not { } anonVma)
            return;
        lock (anonVma.Root) // a fork cannot link a new area (and copy an entry into it) while we walk
        {
            foreach (var vma in anonVma.Vmas.ToArray())
            {
                if (old.IsLarge && vma.TryAddressOf(old.Index, out ulong haddr) && (haddr & (PageTable.PmdSize - 1)) == 0 &&
                    vma.Mm.PageTable.TryGetPmdSlot(haddr, out var pmdSlot))
                    RemoveMigrationPmd(machine, vma, pmdSlot, old, target);
                for (int i = 0; i < old.NrPages; i++)
                {
                    if (vma.TryAddressOf(old.Index + (ulong)i, out ulong address) && vma.Mm.PageTable.TryGetPteSlot(address, out var slot))
                        RemoveMigrationPte(machine, vma, slot, old.Page(i), target.Page(i), mapUnusedToZeroPage: false);
                }
            }
        }
    }

    /// <summary>
    /// remove_migration_pmd(), and remove_migration_pte() for a hugetlb entry: a huge migration entry that still names
    /// <paramref name="old"/> maps <paramref name="target"/> whole.
    /// </summary>
    public static void RemoveMigrationPmd(Machine machine, Vma vma, PteSlot pmdSlot, Folio old, Folio target)
    {
        var pageTable = vma.Mm.PageTable;
        lock (pageTable.PtLock(pmdSlot))
        {
            var entry = pageTable.Read(pmdSlot);
            if (entry.Kind != PteKind.Migration || entry.EntryPfn != old.Head.Pfn)
                return; // zapped, split or never there
            bool write = entry.Type == SwapEntryType.MigrationWrite;
            bool exclusive = machine.Policy.TracksExclusivity && entry.Type != SwapEntryType.MigrationRead;
            target.Get();
            AnonRmap.PageAddAnonRmapPmd(target, vma, exclusive);
            pageTable.Write(pmdSlot, Pte.HugePmd(target.Head.Pfn, write && vma.Flags.HasFlag(VmFlags.Write), dirty: write));
        }
    }
}
