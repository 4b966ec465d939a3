using MmSim.Faults;
using MmSim.Migration;
using MmSim.PageFlags;
using MmSim.PageTables;
using MmSim.Physical;
using MmSim.Vm;

namespace MmSim.Device;

/// <summary>
/// Device-private memory under HMM (MEMORY_DEVICE_PRIVATE, mm/migrate_device.c, and a driver such as
/// lib/test_hmm.c): anonymous pages move to device frames the CPU cannot access, leaving device-private
/// entries behind, SWP_DEVICE_WRITE or SWP_DEVICE_READ. Both directions go through migration entries, so
/// exclusivity travels with the page: an exclusive page is exclusive in device memory, and comes back
/// exclusive. A CPU access to a device-private entry faults, and the driver's migrate_to_ram() brings the
/// page back before the access is retried. Device pages cannot be pinned: GUP faults them back first.
/// </summary>
internal static class DevicePrivate
{
    /// <summary>
    /// migrate_vma_setup() / migrate_vma_pages() / migrate_vma_finalize() for one page: 0 on success, or a
    /// negative errno: -EFAULT (no area), -ENOENT (not present, not anonymous, or in device memory already),
    /// -EBUSY (large, KSM, maybe pinned, or referenced beyond its mappings), -ENOMEM (device memory is full).
    /// migrate_vma_collect_pmd() would split a THP; the simulator leaves it.
    /// </summary>
    public static int MigrateToDevice(Mm mm, ulong address) =>
        MigratePages.MigratePageAt(mm, address, _ => mm.Memory.AllocDevicePage(), Errno.ENOMEM, movedLarge: null);

    /// <summary>
    /// do_swap_page() for a device-private entry: pgmap->ops->migrate_to_ram(), run without the PT lock. The
    /// page moves back to a frame of RAM for every process that maps it; the caller retries the access.
    /// </summary>
    public static VmFault MigrateToRam(Vma vma, Pte entry)
    {
        var memory = vma.Mm.Memory;
        var folio = memory.PfnToPage(entry.EntryPfn).Folio;
        if (!folio.TryRefAdd(1))
            return VmFault.Ok; // freed meanwhile: the retry finds whatever replaced the entry
        try
        {
            bool noMemory = false;
            MigratePages.MigrateFolio(vma.Mm.Machine, folio, () =>
            {
                var target = vma.Mm.Machine.AllocUserFolio(Gfp.None);
                noMemory = target is null;
                return target;
            });
            return noMemory ? VmFault.Oom : VmFault.Ok;
        }
        finally
        {
            folio.Put();
        }
    }
}
