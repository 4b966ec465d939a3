namespace MmSim.PageFlags;

/// <summary>Conversions between a flag's bit number and its mask.</summary>
public static class PageFlagBitExtensions
{
    /// <summary>Number of real page-flag bits (__NR_PAGEFLAGS).</summary>
    public const int NrPageFlags = (int)PageFlagBit.HwPoison + 1;

    /// <summary>PAGEFLAGS_MASK: every page-flag bit.</summary>
    public const ulong PageFlagsMask = (1UL << NrPageFlags) - 1;

    private static readonly string[] CanonicalNames =
    [
        "locked", "referenced", "uptodate", "dirty", "lru", "active", "workingset", "waiters", "error",
        "slab", "owner_priv_1", "arch_1", "reserved", "private", "private_2", "writeback", "head",
        "mappedtodisk", "reclaim", "swapbacked", "unevictable", "mlocked", "hwpoison",
    ];

    /// <summary>
    /// The bit's first name in <c>enum pageflags</c> without the PG_ prefix ("mappedtodisk", never one of
    /// its aliases): the enum's own ToString() cannot tell aliases apart.
    /// </summary>
    public static string CanonicalName(this PageFlagBit bit) => CanonicalNames[(int)bit];

    /// <summary>The mask of one flag: <c>1UL &lt;&lt; bit</c>. Use this instead of the bit number in mask arithmetic.</summary>
    public static ulong Mask(this PageFlagBit bit) => 1UL << (int)bit;
}
