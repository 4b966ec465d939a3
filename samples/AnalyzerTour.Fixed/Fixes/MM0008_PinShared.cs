using MmSim.PageFlags;

namespace AnalyzerTour.Fixes;

public static class PinShared
{
    public static Page Pin(Page page)
    {
        if (page.IsAnon && !page.IsAnonExclusive)
            Gup.Unshare(page); // MM0008: unshare first, then pin an exclusive page
        return Gup.PinPage(page);
    }
}
