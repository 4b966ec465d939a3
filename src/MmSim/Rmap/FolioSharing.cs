using MmSim.PageFlags;

namespace MmSim.Rmap;

/// <summary>How many map a folio: folio_mapped(), folio_large_mapcount() and folio_maybe_mapped_shared().</summary>
internal static class FolioSharing
{
    /// <summary>
    /// folio_maybe_mapped_shared() (include/linux/mm.h, 6.15 and later): whether more than one process may map the
    /// folio. A large folio answers from the mm ids it tracks (<see cref="LargeMapcount"/>): one mapping is never
    /// shared; otherwise the "maybe mapped shared" bit decides, which can stay set after a third process mapped it.
    /// </summary>
    public static bool MaybeMappedShared(Folio folio)
    {
        if (!folio.IsLarge || folio.IsHugetlb)
            return folio.Head.MapCount > 1;
        if (LargeMapcount(folio) <= 1)
            return false;
        return PageFlags.LargeMapcount.MaybeMappedSharedBit(folio);
    }

    /// <summary>folio_mapped(): does any entry map a page of the folio?</summary>
    public static bool Mapped(Folio folio) => folio.IsLarge ? LargeMapcount(folio) > 0 : folio.Head.MapCount > 0;

    /// <summary>folio_large_mapcount(): PMD mappings plus the PTE mappings of every page.</summary>
    public static int LargeMapcount(Folio folio) => folio.EntireMapcount + folio.PteMapcount;
}
