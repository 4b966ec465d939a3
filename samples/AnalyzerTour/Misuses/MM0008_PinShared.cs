using MmSim.PageFlags;

namespace AnalyzerTour.Misuses;

public static class PinShared
{
    public static Page Pin(Page page)
    {
        if (page.IsAnon)
            return Gup.PinPage(page); // MM0008: may be shared with a child after fork
        return page;
    }
}
