using MmSim.PageFlags;
using MmSim.Rmap;

namespace AnalyzerTour.Fixes;

public static class TryShareAfterUnlock
{
    public static bool Share(PageTableLocks table, Page page)
    {
        table.Lock();
        bool shared = page.IsAnonExclusive && AnonRmap.PageTryShareAnonRmap(page); // MM0009: decided under the PT lock
        table.Unlock();
        return shared;
    }
}
