using MmSim.PageFlags;

namespace AnalyzerTour.Misuses;

public static class StrayClear
{
    public static void Unmap(Page page)
    {
        page.ClearAnonExclusive(); // MM0001: munmap must leave PG_anon_exclusive alone
    }
}
