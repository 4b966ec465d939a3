using MmSim.PageTables;
using MmSim.Vm;

namespace MmSim.Hugetlb;

/// <summary>
/// __unmap_hugepage_range() (mm/hugetlb.c): clears the entries of a hugetlb range one huge page at a time. The
/// range covers whole pages (a hugetlb area never splits inside one), and the entries never had a reserve table.
/// An hwpoison entry just goes: the page it names stays with memory failure.
/// </summary>
internal static class HugetlbUnmap
{
    public static void Range(Vma vma, ulong start, ulong end)
    {
        var mm = vma.Mm;
        var hstate = vma.Hstate!;
        for (ulong address = start; address < end; address += hstate.Size)
        {
            if (!mm.PageTable.TryGetHugePteSlot(address, hstate.Shift, out var slot))
                continue;
            lock (mm.PageTable.PtLock(slot))
            {
                var entry = mm.PageTable.Read(slot); // huge_ptep_get_and_clear()
                if (entry.IsNone)
                    continue;
                mm.PageTable.Write(slot, Pte.None);
                if (!entry.IsPresent)
                    continue; // an hwpoison entry holds nothing
                var folio = mm.Memory.PfnToPage(entry.Pfn).Folio;
                folio.AddHugetlbEntireMapcount(-1); // hugetlb_remove_rmap()
                folio.Put();
            }
        }
    }
}
