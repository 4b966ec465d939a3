using MmSim.Diagnostics;
using MmSim.Rmap;

namespace MmSim.Vm;

/// <summary>Splitting and removing areas (split_vma, remove_vma), with the mmap lock held for writing.</summary>
internal static class VmaOps
{
    /// <summary>
    /// split_vma(): cuts the area containing <paramref name="address"/> in two at that address (a page
    /// boundary), so that a later operation can treat each part on its own. The new upper part shares
    /// the anon_vmas of the old one.
    /// </summary>
    public static void SplitAt(Mm mm, ulong address)
    {
        var vma = mm.VmaLookup(address);
        if (vma is null || vma.Start == address)
            return;
        if (vma.IsHugetlb && (address & (vma.HugePageSize - 1)) != 0)
            throw new MmException(Errno.EINVAL, $"0x{address:x} lies inside a hugetlb page (hugetlb_vm_op_split)");
        if ((address & (PageTables.PageTable.PmdSize - 1)) != 0)
            Thp.HugePmd.Split(vma, address); // vma_adjust_trans_huge(): no huge PMD may straddle two areas
        var upper = new Vma(mm, address, vma.End, vma.Flags, vma.File, vma.PgOff + ((address - vma.Start) >> 12))
        {
            AnonVma = vma.AnonVma,
            HugetlbReservation = vma.HugetlbReservation,
            Hstate = vma.Hstate,
        };
        foreach (var anonVma in vma.AnonVmaChain)
        {
            anonVma.Link(upper);
            upper.AnonVmaChain.Add(anonVma);
        }
        vma.End = address;
        mm.Insert(upper);
    }

    /// <summary>
    /// Splits at the edges of [start, end) only the areas whose flags <paramref name="changes"/>:
    /// madvise_update_vma() and mprotect_fixup() return early, leaving an area whole, when its flags stay the same.
    /// </summary>
    public static void SplitRangeWhere(Mm mm, ulong start, ulong end, System.Func<Vma, bool> changes)
    {
        if (mm.VmaLookup(start) is { } first && changes(first))
            SplitAt(mm, start);
        if (mm.VmaLookup(end - 1) is { } last && changes(last))
            SplitAt(mm, end);
    }

    /// <summary>
    /// vma_merge_existing_range() after mprotect or madvise changed the flags of [start, end): each area there
    /// joins a neighbour that it continues exactly (same flags but soft-dirty, same file at the next page
    /// offset, compatible anon_vmas), as vma_modify() does, so that changing a protection back leaves one area.
    /// </summary>
    public static void MergeAround(Mm mm, ulong start, ulong end)
    {
        var areas = mm.Vmas.FindAll(v => v.End >= start && v.Start <= end);
        areas.Sort((a, b) => a.Start.CompareTo(b.Start));
        for (int i = 0; i + 1 < areas.Count;)
        {
            if (!CanMerge(areas[i], areas[i + 1]))
            {
                i++;
                continue;
            }
            Merge(mm, areas[i], areas[i + 1]);
            areas.RemoveAt(i + 1);
        }
    }

    /// <summary>is_mergeable_vma() and is_mergeable_anon_vma() for <paramref name="prev"/> followed by <paramref name="next"/>.</summary>
    private static bool CanMerge(Vma prev, Vma next)
    {
        if (prev.End != next.Start || ((prev.Flags ^ next.Flags) & ~VmFlags.SoftDirty) != 0 || prev.File != next.File)
            return false;
        if (prev.IsHugetlb || prev.PgOff + ((prev.End - prev.Start) >> 12) != next.PgOff)
            return false; // hugetlb areas have a ->close and never merge
        if (prev.AnonVma == next.AnonVma)
            return true;
        // one has no anon_vma yet: it takes the other's, unless that area forked from a parent (vma_had_uncowed_parents)
        if (prev.AnonVma is null)
            return next.AnonVmaChain.Count == 1;
        return next.AnonVma is null && prev.AnonVmaChain.Count == 1;
    }

    /// <summary>The lower area grows over the upper one, taking its anon_vma if it had none (dup_anon_vma); the upper goes.</summary>
    private static void Merge(Mm mm, Vma prev, Vma next)
    {
        if (prev.AnonVma is null && next.AnonVma is not null)
        {
            foreach (var anonVma in next.AnonVmaChain)
            {
                anonVma.Link(prev);
                prev.AnonVmaChain.Add(anonVma);
            }
            prev.AnonVma = next.AnonVma;
        }
        prev.End = next.End;
        Remove(mm, next);
    }

    /// <summary>Splits so that [start, end) is covered by whole areas.</summary>
    public static void SplitRange(Mm mm, ulong start, ulong end)
    {
        SplitAt(mm, start);
        SplitAt(mm, end);
    }

    /// <summary>
    /// do_vmi_munmap(): removes every area in [start, end), zapping its entries, and frees the page tables
    /// that only covered the hole (free_pgtables).
    /// </summary>
    public static void Unmap(Mm mm, ulong start, ulong end)
    {
        SplitRange(mm, start, end);
        for (int i = 0; i < mm.Vmas.Count;)
        {
            var vma = mm.Vmas[i];
            if (vma.Start >= start && vma.End <= end)
            {
                Zap.Range(vma, vma.Start, vma.End);
                Remove(mm, vma);
                continue;
            }
            i++;
        }
        FreeHoleTables(mm, start, end);
    }

    /// <summary>remove_vma() + unlink_anon_vmas().</summary>
    public static void Remove(Mm mm, Vma vma)
    {
        MmBug.On(!mm.Vmas.Remove(vma), $"removing {vma} that is not in its mm");
        foreach (var anonVma in vma.AnonVmaChain)
            anonVma.Unlink(vma);
        vma.AnonVmaChain.Clear();
        vma.File?.RemoveMapping();
        vma.HugetlbReservation?.Release(vma.LinearPageIndex(vma.Start), vma.LinearPageIndex(vma.End));
    }

    /// <summary>free_pgtables() for the hole [start, end): tables shared with a neighbour survive.</summary>
    public static void FreeHoleTables(Mm mm, ulong start, ulong end)
    {
        ulong floor = 0, ceiling = ulong.MaxValue;
        foreach (var vma in mm.Vmas)
        {
            if (vma.End <= start && vma.End > floor)
                floor = vma.End;
            if (vma.Start >= end && vma.Start < ceiling)
                ceiling = vma.Start;
        }
        mm.TableFreeLock.EnterWriteLock();
        try
        {
            mm.PageTable.FreeRange(start, end, floor, ceiling);
        }
        finally
        {
            mm.TableFreeLock.ExitWriteLock();
        }
    }
}
