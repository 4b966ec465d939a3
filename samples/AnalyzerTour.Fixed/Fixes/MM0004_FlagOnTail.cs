using MmSim.PageFlags;

namespace AnalyzerTour.Fixes;

public static class FlagOnTail
{
    public static void Lock(Page page)
    {
        if (page.IsTail)
            page.CompoundHead.Set(PG.Locked); // MM0004: PG_locked lives on the head
    }
}
