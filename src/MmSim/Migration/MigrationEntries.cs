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
/// or READ, and later restored to the same page or to its new copy. Page migration, device migration and folio
/// split share them.
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
        var type = writable ? SwapEntryType.MigrationWrite
            : exclusive ? SwapEntryType.MigrationReadExclusive
            : SwapEntryType.MigrationRead;
        if (pte.IsDirty)
            page.Folio.Set(PG.Dirty);
        pageTable.Write(slot, Pte.NonPresent(type, page.Pfn));
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
}
