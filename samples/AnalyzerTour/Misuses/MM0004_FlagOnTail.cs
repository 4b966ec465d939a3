using MmSim.PageFlags;

namespace AnalyzerTour.Misuses;

public static class FlagOnTail
{
    public static void Lock(Page page)
    {
        if (page.IsTail)
            page.Set(PG.Locked); // MM0004: PG_locked set on the tail, where nobody looks
    }
}
