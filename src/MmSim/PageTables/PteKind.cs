namespace MmSim.PageTables;

/// <summary>What a page-table entry is. Only the PFN-bearing kinds may be turned into a page (P15, P16).</summary>
public enum PteKind
{
    /// <summary>pte_none(): nothing mapped.</summary>
    None,
    /// <summary>pte_present(): maps a frame.</summary>
    Present,
    /// <summary>A real swap entry: a slot on a swap device, no page.</summary>
    Swap,
    /// <summary>A migration entry (READ, READ_EXCLUSIVE or WRITE); carries the PFN of the old page.</summary>
    Migration,
    /// <summary>A device-private entry; carries the PFN of the device page.</summary>
    DevicePrivate,
    /// <summary>A device-exclusive entry; carries the PFN of the page.</summary>
    DeviceExclusive,
    /// <summary>An hwpoison entry; carries the PFN of the poisoned page.</summary>
    HwPoison,
    /// <summary>A PTE marker: no page.</summary>
    Marker,
    /// <summary>A swap-in error entry: no page.</summary>
    SwapinError,
}
