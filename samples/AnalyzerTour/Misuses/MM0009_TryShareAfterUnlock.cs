using MmSim.PageFlags;
using MmSim.Rmap;

namespace AnalyzerTour.Misuses;

public static class TryShareAfterUnlock
{
    public static bool Share(PageTableLocks table, Page page)
    {
        table.Lock();
        bool exclusive = page.IsAnonExclusive;
        table.Unlock();
        return exclusive && AnonRmap.PageTryShareAnonRmap(page); // MM0009: a GUP-fast pin may have raced in
    }
}
