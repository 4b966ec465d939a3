namespace MmSim.PageFlags;

/// <summary>
/// The value of <c>folio-&gt;mapping</c>: a handle to an object (anon_vma, address_space, KSM stable node)
/// whose two low bits say what kind it is, as the kernel keeps them in the pointer's low bits
/// (PAGE_MAPPING_ANON = 0x1, PAGE_MAPPING_MOVABLE = 0x2, PAGE_MAPPING_KSM = 0x3).
/// </summary>
public readonly record struct PageMapping(uint Raw)
{
    public const uint AnonBit = 0x1;
    public const uint MovableBit = 0x2;
    public const uint KsmBits = AnonBit | MovableBit;
    public const uint FlagBits = AnonBit | MovableBit;

    /// <summary>A NULL mapping.</summary>
    public static PageMapping None => default;

    /// <summary>An anon_vma (PAGE_MAPPING_ANON).</summary>
    public static PageMapping Anon(int objectId) => new(((uint)objectId << 2) | AnonBit);

    /// <summary>A KSM stable node (PAGE_MAPPING_KSM).</summary>
    public static PageMapping Ksm(int objectId) => new(((uint)objectId << 2) | KsmBits);

    /// <summary>A non-LRU movable page's mapping (PAGE_MAPPING_MOVABLE).</summary>
    public static PageMapping Movable(int objectId) => new(((uint)objectId << 2) | MovableBit);

    /// <summary>An address_space of a file (no flag bits).</summary>
    public static PageMapping File(int objectId) => new((uint)objectId << 2);

    public bool IsNull => Raw == 0;

    /// <summary>folio_test_anon(): the PAGE_MAPPING_ANON bit (true for KSM too).</summary>
    public bool IsAnon => (Raw & AnonBit) != 0;

    /// <summary>folio_test_ksm().</summary>
    public bool IsKsm => (Raw & FlagBits) == KsmBits;

    /// <summary>__folio_test_movable().</summary>
    public bool IsMovable => (Raw & FlagBits) == MovableBit;

    /// <summary>PageMappingFlags(): any flag bit set (anon, KSM or movable).</summary>
    public bool HasFlags => (Raw & FlagBits) != 0;

    /// <summary>The object id without the flag bits.</summary>
    public int ObjectId => (int)(Raw >> 2);

    public override string ToString() => $"0x{Raw:x}";
}
