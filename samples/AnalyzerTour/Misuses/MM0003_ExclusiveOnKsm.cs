using MmSim.PageFlags;

namespace AnalyzerTour.Misuses;

public static class ExclusiveOnKsm
{
    public static void Claim(Page page)
    {
        if (page.IsKsm)
            page.SetAnonExclusive(); // MM0003: KSM pages are never exclusive
    }
}
