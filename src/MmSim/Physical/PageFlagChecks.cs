using MmSim.PageFlags;

namespace MmSim.Physical;

/// <summary>
/// The flags that must be clear when a page is freed or allocated (Linux 6.1 page-flags.h), and the
/// reason text of mm/page_alloc.c page_bad_reason() for a page that breaks them.
/// </summary>
internal static class PageFlagChecks
{
    /// <summary>
    /// PAGE_FLAGS_CHECK_AT_FREE: a page freed with any of these set is a bad page. PG_anon_exclusive
    /// (PG_mappedtodisk) is deliberately not in it: freeing an exclusive page is normal.
    /// </summary>
    public static readonly ulong AtFree =
        PageFlagBit.Lru.Mask() | PageFlagBit.Locked.Mask() | PageFlagBit.Private.Mask() |
        PageFlagBit.Private2.Mask() | PageFlagBit.Writeback.Mask() | PageFlagBit.Reserved.Mask() |
        PageFlagBit.Slab.Mask() | PageFlagBit.Active.Mask() | PageFlagBit.Unevictable.Mask() |
        PageFlagBit.Mlocked.Mask();

    /// <summary>
    /// PAGE_FLAGS_CHECK_AT_PREP: every page flag but PG_hwpoison. free_pages_prepare() clears these on
    /// every page of the block, which is how PG_anon_exclusive is dropped at free; a new page with any
    /// of them set is a bad page.
    /// </summary>
    public static readonly ulong AtPrep = PageFlagBitExtensions.PageFlagsMask & ~PageFlagBit.HwPoison.Mask();

    /// <summary>page_bad_reason(): why a free or newly allocated page is in an unexpected state, or null.</summary>
    public static string? BadReason(Memmap map, int pfn, ulong flagMask, bool refcountChecked)
    {
        if (map.MapCount[pfn] != -1)
            return "nonzero mapcount";
        if (map.Mapping[pfn] != 0)
            return "non-NULL mapping";
        if (refcountChecked && map.RefCount[pfn] != 0)
            return "nonzero _refcount";
        if ((map.Flags[pfn] & flagMask) != 0)
            return flagMask == AtPrep ? "PAGE_FLAGS_CHECK_AT_PREP flag(s) set" : "PAGE_FLAGS_CHECK_AT_FREE flag set";
        return null;
    }
}
