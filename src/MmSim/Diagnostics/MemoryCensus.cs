using MmSim.PageFlags;
using MmSim.Physical;

namespace MmSim.Diagnostics;

/// <summary>Counts frames by what holds them, from the memmap (the way /proc/meminfo's counters would agree).</summary>
internal readonly record struct MemoryCensus(long AnonPages, long FilePages, long AllocatedPages)
{
    public static MemoryCensus Take(PhysicalMemory memory)
    {
        var map = memory.Map;
        long anon = 0, file = 0, allocated = 0;
        for (int pfn = 0; pfn < map.Frames;)
        {
            var page = new Page(memory, pfn);
            if (page.IsBuddy)
            {
                pfn += 1 << (int)map.Private[pfn];
                continue;
            }
            var folio = page.Folio;
            int pages = folio.NrPages;
            allocated += pages;
            var mapping = folio.Mapping;
            if (mapping.IsAnon && !folio.IsHugetlb) // AnonPages leaves hugetlb to HugePages_*, as /proc/meminfo does
                anon += pages;
            else if (!mapping.IsNull && !mapping.IsMovable && !PageType.HasType(map, pfn) && !folio.IsHugetlb)
                file += pages;
            pfn += pages;
        }
        return new MemoryCensus(anon, file, allocated);
    }
}
