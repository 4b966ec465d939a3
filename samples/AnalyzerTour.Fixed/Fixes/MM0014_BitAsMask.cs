using MmSim.PageFlags;

namespace AnalyzerTour.Fixes;

public static class BitAsMask
{
    public static bool IsDirty(ulong flags) => (flags & PageFlagBit.Dirty.Mask()) != 0; // MM0014: the bit's mask
}
