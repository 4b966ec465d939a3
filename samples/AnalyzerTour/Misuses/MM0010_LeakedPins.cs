using MmSim;

namespace AnalyzerTour.Misuses;

public static class LeakedPins
{
    public static void Dma(Process process, ulong address)
    {
        var pins = process.PinUserPages(address, 1, GupFlags.Write); // MM0010: the early return leaks the pins
        if (pins.Count == 0)
            return;
        pins.Release();
    }
}
