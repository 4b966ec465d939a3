using MmSim;

namespace AnalyzerTour.Fixes;

public static class LeakedPins
{
    public static void Dma(Process process, ulong address)
    {
        using var pins = process.PinUserPages(address, 1, GupFlags.Write); // MM0010: released on every path
        if (pins.Count == 0)
            return;
    }
}
