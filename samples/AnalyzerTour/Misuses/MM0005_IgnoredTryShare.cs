using MmSim.PageFlags;
using MmSim.Rmap;

namespace AnalyzerTour.Misuses;

public static class IgnoredTryShare
{
    public static void SwapOut(Page page)
    {
        if (!page.IsAnonExclusive)
            return;
        AnonRmap.PageTryShareAnonRmap(page); // MM0005: a pinned page goes to swap as if it were shared
    }
}
