using MmSim.PageFlags;
using MmSim.PageTables;
using MmSim.Physical;

namespace AnalyzerTour.Fixes;

public static class PfnOfSwapEntry
{
    public static Page? Lookup(PhysicalMemory memory, Pte pte)
    {
        if (pte.Kind is PteKind.Migration or PteKind.DevicePrivate or PteKind.DeviceExclusive or PteKind.HwPoison)
            return memory.PfnToPage(pte.EntryPfn); // MM0013: only these entries carry a PFN
        return null;
    }
}
