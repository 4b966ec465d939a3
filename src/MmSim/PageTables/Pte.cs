using MmSim.Diagnostics;

namespace MmSim.PageTables;

/// <summary>
/// One page-table entry, x86-64 style. Present: bit 0 _PAGE_PRESENT, bit 1 _PAGE_RW, bit 5
/// _PAGE_ACCESSED, bit 6 _PAGE_DIRTY, bit 7 _PAGE_PSE (a huge PMD), bit 9 _PAGE_SPECIAL (no struct page
/// to account: the zero page), bit 11 _PAGE_SOFT_DIRTY (set with the dirty bit, cleared by clear_refs),
/// bits 12-51 the PFN. A PROT_NONE mapping keeps its frame with _PAGE_PRESENT
/// clear and _PAGE_PROTNONE (bit 8) set: present to the kernel, absent to the CPU and to GUP-fast. Not present and not zero: a swap-style entry with
/// its type in bits 1-5, the SWP exclusive bit in bit 7 (as x86 reuses _PAGE_PSE), and the swap offset
/// or PFN from bit 12.
/// </summary>
public readonly record struct Pte(ulong Raw)
{
    public const ulong PresentBit = 1UL << 0;
    public const ulong WriteBit = 1UL << 1;
    public const ulong AccessedBit = 1UL << 5;
    public const ulong DirtyBit = 1UL << 6;
    public const ulong HugeBit = 1UL << 7;
    public const ulong ProtNoneBit = 1UL << 8;
    public const ulong SpecialBit = 1UL << 9;
    public const ulong SoftDirtyBit = 1UL << 11;
    public const ulong SwpExclusiveBit = 1UL << 7;
    private const int PfnShift = 12;
    private const ulong PfnMask = ((1UL << 40) - 1) << PfnShift;
    private const int TypeShift = 1;
    private const ulong TypeMask = 0x1fUL << TypeShift;

    /// <summary>pte_none().</summary>
    public static Pte None => default;

    /// <summary>mk_pte(): a present entry for a frame.</summary>
    public static Pte Present(long pfn, bool write, bool dirty = false, bool special = false) =>
        new(PresentBit | AccessedBit | ((ulong)pfn << PfnShift) | (write ? WriteBit : 0) | (dirty ? DirtyBit | SoftDirtyBit : 0) | (special ? SpecialBit : 0));

    /// <summary>mk_huge_pmd(): a PMD that maps a whole 2 MiB folio.</summary>
    public static Pte HugePmd(long pfn, bool write, bool dirty = false, bool special = false) =>
        new(Present(pfn, write, dirty, special).Raw | HugeBit);

    /// <summary>make_huge_pte(): a PMD or PUD that maps a whole hugetlb page (x86 uses the same _PAGE_PSE at both levels).</summary>
    public static Pte HugetlbLeaf(long pfn, bool write, bool dirty = false) => HugePmd(pfn, write, dirty);

    /// <summary>swp_entry_to_pte(): a non-present entry of a type with an offset or PFN.</summary>
    public static Pte NonPresent(SwapEntryType type, long offset, bool exclusive = false) =>
        new(((ulong)type << TypeShift) | ((ulong)offset << PfnShift) | (exclusive ? SwpExclusiveBit : 0));

    [MmSim.Contracts.EntryKindPredicate(PteKind.None)]
    public bool IsNone => Raw == 0;

    /// <summary>pte_present(): maps a frame, accessible or PROT_NONE.</summary>
    [MmSim.Contracts.EntryKindPredicate(PteKind.Present)]
    public bool IsPresent => (Raw & (PresentBit | ProtNoneBit)) != 0;

    /// <summary>pte_protnone(): a PROT_NONE mapping of a frame.</summary>
    public bool IsProtNone => (Raw & (PresentBit | ProtNoneBit)) == ProtNoneBit;

    /// <summary>pte_write().</summary>
    public bool IsWrite => IsPresent && (Raw & WriteBit) != 0;

    /// <summary>pte_dirty().</summary>
    public bool IsDirty => IsPresent && (Raw & DirtyBit) != 0;

    /// <summary>pte_special(): the entry maps a frame without a counted struct page (the zero page).</summary>
    public bool IsSpecial => IsPresent && (Raw & SpecialBit) != 0;

    /// <summary>pmd_trans_huge(): a present PMD that maps a huge page rather than a table.</summary>
    public bool IsHuge => IsPresent && (Raw & HugeBit) != 0;

    /// <summary>What kind of entry this is.</summary>
    public PteKind Kind
    {
        get
        {
            if (Raw == 0)
                return PteKind.None;
            if (IsPresent)
                return PteKind.Present;
            return Type switch
            {
                < (SwapEntryType)SwapEntryTypes.MaxSwapFiles => PteKind.Swap,
                SwapEntryType.HwPoison => PteKind.HwPoison,
                SwapEntryType.MigrationRead or SwapEntryType.MigrationReadExclusive or SwapEntryType.MigrationWrite => PteKind.Migration,
                SwapEntryType.DeviceRead or SwapEntryType.DeviceWrite => PteKind.DevicePrivate,
                SwapEntryType.DeviceExclusiveRead or SwapEntryType.DeviceExclusiveWrite => PteKind.DeviceExclusive,
                SwapEntryType.PteMarker => PteKind.Marker,
                _ => PteKind.SwapinError,
            };
        }
    }

    /// <summary>pte_pfn() of a present entry.</summary>
    [MmSim.Contracts.ValidForEntryKinds(PteKind.Present)]
    public long Pfn
    {
        get
        {
            MmBug.On(!IsPresent, $"pte_pfn() of a non-present entry 0x{Raw:x}");
            return (long)((Raw & PfnMask) >> PfnShift);
        }
    }

    /// <summary>swp_type() of a non-present entry.</summary>
    public SwapEntryType Type => (SwapEntryType)((Raw & TypeMask) >> TypeShift);

    /// <summary>swp_offset() of a real swap entry.</summary>
    public long SwapOffset
    {
        get
        {
            MmBug.On(Kind != PteKind.Swap, $"swp_offset() of a {Kind} entry");
            return (long)((Raw & PfnMask) >> PfnShift);
        }
    }

    /// <summary>pfn_swap_entry_to_page()'s PFN: only migration, device and hwpoison entries carry one (P16).</summary>
    [MmSim.Contracts.ValidForEntryKinds(PteKind.Migration, PteKind.DevicePrivate, PteKind.DeviceExclusive, PteKind.HwPoison)]
    public long EntryPfn
    {
        get
        {
            MmBug.On(Kind is not (PteKind.Migration or PteKind.DevicePrivate or PteKind.DeviceExclusive or PteKind.HwPoison),
                $"PFN of a {Kind} entry: only migration, device and hwpoison entries carry one");
            return (long)((Raw & PfnMask) >> PfnShift);
        }
    }

    /// <summary>pte_swp_exclusive(): a swap or migration-style entry remembers exclusivity.</summary>
    public bool IsSwpExclusive => !IsPresent && (Raw & SwpExclusiveBit) != 0;

    /// <summary>pte_wrprotect().</summary>
    public Pte WithoutWrite() => new(Raw & ~WriteBit);

    /// <summary>
    /// The read-only form of a writable non-present entry that keeps its page (make_readable_exclusive_migration_entry(),
    /// make_readable_device_private_entry(), make_readable_device_exclusive_entry()), or null if the entry has none.
    /// An anonymous page under migration stays exclusive: WRITE becomes READ_EXCLUSIVE.
    /// </summary>
    internal Pte? ReadableNonPresent() => IsPresent ? null : Type switch
    {
        SwapEntryType.MigrationWrite => NonPresent(SwapEntryType.MigrationReadExclusive, EntryPfn),
        SwapEntryType.DeviceWrite => NonPresent(SwapEntryType.DeviceRead, EntryPfn),
        SwapEntryType.DeviceExclusiveWrite => NonPresent(SwapEntryType.DeviceExclusiveRead, EntryPfn),
        _ => null,
    };

    /// <summary>is_swap_pmd(): read from a PMD slot, an entry that is neither empty nor present (a PMD migration entry).</summary>
    public bool IsSwapPmd => !IsNone && !IsPresent;

    /// <summary>pte_soft_dirty().</summary>
    public bool IsSoftDirty => IsPresent && (Raw & SoftDirtyBit) != 0;

    /// <summary>pte_mkwrite() + pte_mkdirty() (which sets the soft-dirty bit too, as on x86).</summary>
    public Pte WithWriteDirty() => new(Raw | WriteBit | DirtyBit | SoftDirtyBit);

    /// <summary>pte_mkdirty().</summary>
    public Pte WithDirty() => new(Raw | DirtyBit | SoftDirtyBit);

    /// <summary>clear_soft_dirty(): write-protect and forget soft-dirtiness, so the next write faults.</summary>
    public Pte WithoutSoftDirty() => new(Raw & ~(WriteBit | SoftDirtyBit));

    /// <summary>pte_modify() to PROT_NONE: the frame stays, the CPU loses access.</summary>
    public Pte ToProtNone() => new((Raw & ~(PresentBit | WriteBit)) | ProtNoneBit);

    /// <summary>pte_modify() back from PROT_NONE to an accessible, read-only entry.</summary>
    public Pte FromProtNone() => new((Raw & ~ProtNoneBit) | PresentBit);

    /// <summary>pte_swp_clear_exclusive().</summary>
    public Pte WithoutSwpExclusive() => new(Raw & ~SwpExclusiveBit);

    public override string ToString() => $"{Kind} 0x{Raw:x}";
}
