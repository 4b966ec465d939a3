using MmSim.PageFlags;

namespace AnalyzerTour.Fixes;

public static class ExclusiveOnKsm
{
    public static bool IsExclusive(Page page) => page.IsAnon && page.IsAnonExclusive; // MM0003: anon first; never set on KSM
}
