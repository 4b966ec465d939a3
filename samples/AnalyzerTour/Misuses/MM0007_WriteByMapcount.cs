using MmSim.PageFlags;

namespace AnalyzerTour.Misuses;

public static class WriteByMapcount
{
    public static void Reuse(Page page)
    {
        if (page.IsAnon && page.MapCount == 1)
            Pgtable.MkWrite(page); // MM0007: mapped once is not exclusive (a pin or a vmsplice may remain)
    }
}
