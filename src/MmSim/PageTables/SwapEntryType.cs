namespace MmSim.PageTables;

/// <summary>
/// The type field of a non-present entry (include/linux/swap.h, Linux 6.1): real swap devices below
/// <see cref="SwapEntryTypes.MaxSwapFiles"/>, then the special types that carry a PFN or a marker instead of a slot.
/// </summary>
public enum SwapEntryType
{
    /// <summary>The first (and in the simulator only) swap device.</summary>
    SwapDevice0 = 0,
    /// <summary>SWP_HWPOISON: the page had a memory error; the PFN is kept.</summary>
    HwPoison = 22,
    /// <summary>SWP_MIGRATION_READ: under migration, possibly shared (or a file page).</summary>
    MigrationRead = 23,
    /// <summary>SWP_MIGRATION_READ_EXCLUSIVE: under migration, anon, exclusive, mapped R/O.</summary>
    MigrationReadExclusive = 24,
    /// <summary>SWP_MIGRATION_WRITE: under migration, was writable (hence exclusive).</summary>
    MigrationWrite = 25,
    /// <summary>SWP_DEVICE_WRITE: device-private memory, writable.</summary>
    DeviceWrite = 26,
    /// <summary>SWP_DEVICE_READ: device-private memory, read-only.</summary>
    DeviceRead = 27,
    /// <summary>SWP_DEVICE_EXCLUSIVE_WRITE: CPU access revoked for a device's exclusive use, was writable.</summary>
    DeviceExclusiveWrite = 28,
    /// <summary>SWP_DEVICE_EXCLUSIVE_READ.</summary>
    DeviceExclusiveRead = 29,
    /// <summary>SWP_PTE_MARKER: no page, only a marker (uffd-wp, poisoned).</summary>
    PteMarker = 30,
    /// <summary>SWP_SWAPIN_ERROR (6.1): swap-in failed; access is SIGBUS.</summary>
    SwapinError = 31,
}

/// <summary>Ranges of <see cref="SwapEntryType"/>.</summary>
public static class SwapEntryTypes
{
    /// <summary>MAX_SWAPFILES: types below this are swap devices.</summary>
    public const int MaxSwapFiles = 22;
}
