using MmSim.PageFlags;

namespace AnalyzerTour.Misuses;

public static class BitAsMask
{
    public static bool IsDirty(ulong flags) => (flags & (ulong)PageFlagBit.Dirty) != 0; // MM0014: tests PG_referenced and PG_uptodate
}
