using MmSim.PageFlags;

namespace AnalyzerTour.Misuses;

public static class MappedToDiskOnAnon
{
    public static void MarkOnDisk(Page page)
    {
        if (page.IsAnon)
            page.Set(PG.MappedToDisk); // MM0002: on an anon page this bit is PG_anon_exclusive
    }
}
