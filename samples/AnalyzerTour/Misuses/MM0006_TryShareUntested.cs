using MmSim.PageFlags;
using MmSim.Rmap;

namespace AnalyzerTour.Misuses;

public static class TryShareUntested
{
    public static bool Freeze(Page page, bool freeze)
    {
        return freeze && AnonRmap.PageTryShareAnonRmap(page); // MM0006: the page may not be exclusive
    }
}
