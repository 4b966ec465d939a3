using MmSim.PageFlags;

namespace AnalyzerTour.Misuses;

public static class PutOfPin
{
    public static void Dma(Page user)
    {
        var page = Gup.PinPage(user); // MM0010 as a consequence of MM0011: the put did not release the pin
        Gup.PutPage(page); // MM0011: put_page of a pin leaves the page looking pinned forever
    }
}
