using MmSim.PageFlags;

namespace AnalyzerTour.Fixes;

public static class MappedToDiskOnAnon
{
    public static void MarkOnDisk(Page page)
    {
        if (!page.IsAnon)
            page.Set(PG.MappedToDisk); // MM0002: the page-cache meaning, on page-cache pages only
    }
}
