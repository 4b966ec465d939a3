using MmSim.PageFlags;
using MmSim.Rmap;

namespace AnalyzerTour.Fixes;

public static class DebugOnlyGuard
{
    public static bool Share(Page page)
    {
        if (!page.IsAnonExclusive) // MM0012: an always-on test, not a debug-only assertion
            return false;
        return AnonRmap.PageTryShareAnonRmap(page);
    }
}
