namespace MmSim.Physical;

/// <summary>
/// Page types overlaid on <c>_mapcount</c> (include/linux/page-flags.h PAGE_TYPE_OPS): a typed page has
/// <c>page_type</c> = PAGE_TYPE_BASE with the type's bit cleared; an untyped page reads -1.
/// </summary>
internal static class PageType
{
    public const int Base = unchecked((int)0xf0000000);
    public const int Buddy = 0x00000080;
    public const int Offline = 0x00000100;
    public const int Table = 0x00000200;
    public const int Guard = 0x00000400;

    /// <summary>PAGE_MAPCOUNT_RESERVE: any _mapcount below this is a page type.</summary>
    public const int MapcountReserve = -128;

    public static bool Is(Memmap map, int pfn, int type) => (map.MapCount[pfn] & (Base | type)) == Base;

    public static bool HasType(Memmap map, int pfn) => map.MapCount[pfn] < MapcountReserve;

    public static void Set(Memmap map, int pfn, int type) => map.MapCount[pfn] &= ~type;

    public static void Clear(Memmap map, int pfn, int type) => map.MapCount[pfn] |= type;
}
