using MmSim.Faults;
using MmSim.PageTables;

namespace MmSim.Vm;

/// <summary>pagemap_pte_range() (fs/proc/task_mmu.c) plus stable_page_flags() (fs/proc/page.c) for one address.</summary>
internal static class PageMapReader
{
    public static PageMapEntry Read(Mm mm, ulong address)
    {
        if (!mm.PageTable.TryGetPteSlot(address, out var slot))
            return default;
        var pte = mm.PageTable.Read(slot);
        switch (pte.Kind)
        {
            case PteKind.Present:
                break;
            case PteKind.Swap:
                return new PageMapEntry(false, true, 0, false, false, false, false, false, false, false, false);
            default:
                return default;
        }
        var page = FaultHandler.VmNormalPage(mm, pte);
        if (page is not { } mapped)
            return new PageMapEntry(true, false, pte.Pfn, false, false, false, false, false, false, true, false);
        var folio = mapped.Folio;
        bool anon = folio.IsAnon;
        return new PageMapEntry(
            Present: true,
            Swapped: false,
            Pfn: mapped.Pfn,
            ExclusivelyMapped: mapped.MapCount == 1,
            AnonExclusive: anon && mm.Machine.Policy.TracksExclusivity && mapped.IsAnonExclusive,
            Anon: anon,
            Thp: folio.IsTransHuge,
            Hugetlb: folio.IsHugetlb,
            Ksm: folio.IsKsm,
            ZeroPage: false,
            MaybePinned: folio.MaybeDmaPinned);
    }
}
