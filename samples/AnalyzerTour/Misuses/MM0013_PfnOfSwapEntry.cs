using MmSim.PageFlags;
using MmSim.PageTables;
using MmSim.Physical;

namespace AnalyzerTour.Misuses;

public static class PfnOfSwapEntry
{
    public static Page? Lookup(PhysicalMemory memory, Pte pte)
    {
        if (!pte.IsPresent)
            return memory.PfnToPage(pte.Pfn); // MM0013: pte_pfn() of a swap entry
        return null;
    }
}
