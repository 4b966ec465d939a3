using MmSim.Diagnostics;
using MmSim.PageFlags;
using MmSim.Rmap;

namespace AnalyzerTour.Misuses;

public static class DebugOnlyGuard
{
    public static bool Share(Page page)
    {
        MmBug.VmOn(!page.IsAnonExclusive, page, "not exclusive"); // MM0012: production builds drop this check
        return AnonRmap.PageTryShareAnonRmap(page);
    }
}
