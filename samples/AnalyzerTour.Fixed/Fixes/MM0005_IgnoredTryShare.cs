using MmSim.PageFlags;
using MmSim.Rmap;

namespace AnalyzerTour.Fixes;

public static class IgnoredTryShare
{
    public static bool SwapOut(Page page)
    {
        if (!page.IsAnonExclusive)
            return false;
        if (!AnonRmap.PageTryShareAnonRmap(page)) // MM0005: a pinned page stays mapped; swap-out fails
            return false;
        return true;
    }
}
