using MmSim.PageFlags;
using MmSim.Rmap;

namespace AnalyzerTour.Fixes;

public static class TryShareUntested
{
    public static bool Freeze(Page page, bool freeze)
    {
        bool anonExclusive = page.IsAnon && page.IsAnonExclusive; // MM0006: the same subpage, tested always-on
        return freeze && anonExclusive && AnonRmap.PageTryShareAnonRmap(page);
    }
}
