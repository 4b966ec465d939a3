using System.Collections.Generic;

namespace MmSim;

/// <summary>How a <see cref="Machine"/> is built.</summary>
public sealed class MachineOptions
{
    /// <summary>Simulated RAM; default 256 MiB.</summary>
    public long MemoryBytes { get; init; } = 256L << 20;

    /// <summary>
    /// The top of RAM given to ZONE_MOVABLE (movablecore=), rounded down to whole 4 MiB blocks; default 0
    /// (none). Only movable allocations (user pages, THPs, the page cache) land there, and a long-term pin
    /// migrates its pages out first (check_and_migrate_movable_pages).
    /// </summary>
    public long MovableBytes { get; init; }

    /// <summary>
    /// Device-private memory (a GPU's memory under HMM, MEMORY_DEVICE_PRIVATE), taken from the top of the frame
    /// range; default 0 (none). <see cref="Process.MigrateToDevice"/> moves anonymous pages there; the CPU
    /// cannot access them, and its next access migrates them back (migrate_to_ram).
    /// </summary>
    public long DevicePrivateBytes { get; init; }

    /// <summary>Size of the swap device; default 0 (none).</summary>
    public long SwapBytes { get; init; }

    /// <summary>The copy-on-write generation; default <see cref="CowSemantics.AnonExclusive"/>.</summary>
    public CowSemantics Semantics { get; init; } = CowSemantics.AnonExclusive;

    /// <summary>Whether swap PTEs keep exclusivity (SWP_EXCLUSIVE, 1493a1913e34); default true.</summary>
    public bool SwapRemembersExclusive { get; init; } = true;

    /// <summary>transparent_hugepage/enabled; default <see cref="ThpMode.Madvise"/>.</summary>
    public ThpMode Thp { get; init; } = ThpMode.Madvise;

    /// <summary>
    /// Bytes set aside per hugetlb size at boot: [0] for 2 MiB pages (that size always exists), [1] for 1 GiB pages
    /// (the size exists only when named). 1 GiB pages are naturally aligned GiBs of RAM above the lowest one, which
    /// holds the zero page; a pool that does not fit is ENOMEM, a negative size or a third size EINVAL.
    /// </summary>
    public IReadOnlyList<long> HugetlbPoolBytes { get; init; } = [];

    /// <summary>Run VM_BUG_ON-style checks (CONFIG_DEBUG_VM); default false. Always-on checks run regardless.</summary>
    public bool DebugVm { get; init; }
}
