using MmSim.PageFlags;
using MmSim.Contracts;

namespace AnalyzerTour.Fixes;

public static class StrayClear
{
    // MM0001: munmap leaves the flag alone; only a try-share helper clears it, and never on a pinned page
    [AnonExclusiveHelper]
    public static bool TryShare(Page page)
    {
        if (page.Folio.MaybeDmaPinned)
            return false;
        page.ClearAnonExclusive();
        return true;
    }
}
