using MmSim.PageTables;

namespace MmSim.Vm;

/// <summary>do_mmap() / mmap_region() and get_unmapped_area() (mm/mmap.c), with the mmap lock held for writing.</summary>
internal static class MmapRegion
{
    /// <summary>
    /// get_unmapped_area(): the hint if the range is free, otherwise the highest free range below
    /// mmap_base (top-down), aligned to <paramref name="align"/>; 0 if none.
    /// </summary>
    public static ulong GetUnmappedArea(Mm mm, ulong hint, ulong length, ulong align)
    {
        if (hint != 0 && hint >= Mm.MmapMinAddr && hint + length <= Mm.TaskSize && hint % align == 0 && IsFree(mm, hint, hint + length))
            return hint;
        ulong ceiling = Mm.MmapBase;
        for (int i = mm.Vmas.Count - 1; i >= -1; i--)
        {
            ulong floor = i >= 0 ? mm.Vmas[i].End : Mm.MmapMinAddr;
            if (floor < ceiling && ceiling - floor >= length)
            {
                ulong candidate = (ceiling - length) & ~(align - 1);
                if (candidate >= floor)
                    return candidate;
            }
            if (i >= 0)
                ceiling = System.Math.Min(ceiling, mm.Vmas[i].Start);
        }
        return 0;
    }

    public static bool IsFree(Mm mm, ulong start, ulong end)
    {
        var vma = mm.FindVma(start);
        return vma is null || vma.Start >= end;
    }

    /// <summary>mmap_region(): replaces whatever was mapped in the range by one new area.</summary>
    public static Vma Map(Mm mm, ulong start, ulong length, VmFlags flags, SimFile? file, ulong pgoff, Hugetlb.HugetlbPool? hstate)
    {
        VmaOps.Unmap(mm, start, start + length);
        var vma = new Vma(mm, start, start + length, flags, file, pgoff) { Hstate = hstate };
        mm.Insert(vma);
        return vma;
    }

    /// <summary>The alignment of an anonymous area: PMD_SIZE for THP-sized lengths (efa7df3e3bb5, Linux 6.7).</summary>
    public static ulong Alignment(Machine machine, bool anonymous, ulong length) =>
        anonymous && machine.Options.Thp != ThpMode.Never && length % PageTable.PmdSize == 0 ? PageTable.PmdSize : (ulong)Machine.PageSize;
}
