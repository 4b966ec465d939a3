using MmSim.PageFlags;

namespace AnalyzerTour.Fixes;

public static class PutOfPin
{
    public static void Dma(Page user)
    {
        var page = Gup.PinPage(user);
        Gup.UnpinPage(page); // MM0011: a pin is released by an unpin
    }
}
