using MmSim.Diagnostics;
using MmSim.PageTables;

namespace MmSim.Vm;

/// <summary>mremap() (mm/mremap.c) with the mmap lock held for writing: base pages, THPs and hugetlb pages.</summary>
internal static class MremapOps
{
    /// <summary>
    /// remap_move() (6.17, "mm/mremap: permit mremap() move of multiple VMAs"): an MREMAP_FIXED move that
    /// keeps the length may span several areas; each moves on its own, the gaps between them kept. A gap
    /// at the start is EFAULT, one at the end is fine; a failure after the first area leaves the earlier
    /// ones moved. Returns where the first area went.
    /// </summary>
    public static ulong RemapMove(Mm mm, ulong start, ulong length, MremapFlags flags, ulong newAddress)
    {
        ulong end = start + length;
        if (newAddress < end && start < newAddress + length)
            throw new MmException(Errno.EINVAL, "MREMAP_FIXED target overlaps the source");
        var areas = mm.Vmas.FindAll(v => v.Start < end && v.End > start);
        areas.Sort((a, b) => a.Start.CompareTo(b.Start));
        if (areas.Count == 0 || areas[0].Start > start)
            throw new MmException(Errno.EFAULT, $"no mapping at 0x{start:x}, where the move starts");
        ulong target = newAddress, lastEnd = 0, first = 0;
        for (int i = 0; i < areas.Count; i++)
        {
            var vma = areas[i];
            ulong addr = System.Math.Max(vma.Start, start);
            ulong len = System.Math.Min(end, vma.End) - addr;
            ulong offset = i == 0 ? 0 : vma.Start - lastEnd;
            lastEnd = vma.End;
            ulong moved = Remap(mm, addr, len, len, flags, target + offset);
            if (i == 0)
                first = moved;
            target = moved + len;
        }
        return first;
    }

    public static ulong Remap(Mm mm, ulong oldAddress, ulong oldLength, ulong newLength, MremapFlags flags, ulong newAddress)
    {
        var vma = mm.VmaLookup(oldAddress);
        bool fixedTarget = (flags & MremapFlags.Fixed) != 0;
        bool dontUnmap = (flags & MremapFlags.DontUnmap) != 0;
        if (vma is { IsHugetlb: true })
            (oldLength, newLength) = HugetlbLengths(vma, oldAddress, oldLength, newLength, fixedTarget ? newAddress : 0, dontUnmap);
        if (vma is null || oldAddress + oldLength > vma.End)
            throw new MmException(Errno.EFAULT, $"[0x{oldAddress:x}, 0x{oldAddress + oldLength:x}) is not inside one mapping");
        if (dontUnmap && (!vma.IsAnonymous || vma.Flags.HasFlag(VmFlags.Shared)))
            throw new MmException(Errno.EINVAL, "MREMAP_DONTUNMAP applies to private anonymous mappings");

        if (!fixedTarget && !dontUnmap)
        {
            if (newLength <= oldLength)
            {
                if (newLength < oldLength)
                    VmaOps.Unmap(mm, oldAddress + newLength, oldAddress + oldLength);
                return oldAddress;
            }
            // grow in place when the area ends here and the range above it is free (vma_expandable)
            if (oldAddress + oldLength == vma.End && oldAddress + newLength <= Mm.TaskSize &&
                MmapRegion.IsFree(mm, vma.End, oldAddress + newLength))
            {
                vma.End = oldAddress + newLength;
                return oldAddress;
            }
            if ((flags & MremapFlags.MayMove) == 0)
                throw new MmException(Errno.ENOMEM, $"cannot grow the mapping at 0x{oldAddress:x} in place, and MREMAP_MAYMOVE was not given");
        }

        ulong target = fixedTarget ? newAddress : MmapRegion.GetUnmappedArea(mm, 0, newLength, vma.IsHugetlb ? vma.HugePageSize : Machine.PageSize);
        if (target == 0)
            throw new MmException(Errno.ENOMEM, $"no free range of {newLength} bytes to move the mapping to");
        if (fixedTarget)
        {
            if (target < oldAddress + oldLength && oldAddress < target + newLength)
                throw new MmException(Errno.EINVAL, "MREMAP_FIXED target overlaps the source");
            VmaOps.Unmap(mm, target, target + newLength);
        }
        MoveVma(mm, oldAddress, oldLength, newLength, target, dontUnmap);
        return target;
    }

    /// <summary>
    /// The checks for a hugetlb area (5.16, "mm: hugetlb: add mremap support for hugetlb backed vma"): lengths round
    /// up to whole huge pages, both addresses must be aligned to them, and the mapping may shrink or move but not grow
    /// ("the underlying hugetlb reservation is not yet capable to handle split reservation"); MREMAP_DONTUNMAP is
    /// refused for VM_DONTEXPAND areas. All EINVAL.
    /// </summary>
    private static (ulong Old, ulong New) HugetlbLengths(Vma vma, ulong oldAddress, ulong oldLength, ulong newLength, ulong newAddress, bool dontUnmap)
    {
        ulong mask = vma.HugePageSize - 1;
        oldLength = (oldLength + mask) & ~mask;
        newLength = (newLength + mask) & ~mask;
        if ((oldAddress & mask) != 0 || (newAddress & mask) != 0)
            throw new MmException(Errno.EINVAL, $"mremap of hugetlb memory needs {vma.Hstate!.SizeName} aligned addresses");
        if (newLength > oldLength)
            throw new MmException(Errno.EINVAL, "mremap cannot grow hugetlb memory");
        if (dontUnmap)
            throw new MmException(Errno.EINVAL, "MREMAP_DONTUNMAP of hugetlb memory (VM_DONTEXPAND)");
        return (oldLength, newLength);
    }

    /// <summary>
    /// move_vma(): a new area at <paramref name="target"/> takes over the pages (move_page_tables); the
    /// pages keep their anon_vma and index, since the new area keeps the old vm_pgoff. With
    /// MREMAP_DONTUNMAP the old area stays, empty.
    /// </summary>
    private static void MoveVma(Mm mm, ulong oldAddress, ulong oldLength, ulong newLength, ulong target, bool dontUnmap)
    {
        // prep_move_vma(): KSM pages are broken first, "it would be confusing if they were to turn up at the
        // new location"; a KSM page's rmap_items name the old addresses
        MadviseOps.UnmergeKsmPages(mm, oldAddress, oldAddress + oldLength);
        VmaOps.SplitRange(mm, oldAddress, oldAddress + oldLength);
        var old = mm.VmaLookup(oldAddress)!;
        var moved = new Vma(mm, target, target + newLength, old.Flags, old.File, old.PgOff)
        {
            AnonVma = old.AnonVma,
            Hstate = old.Hstate,
            HugetlbReservation = old.HugetlbReservation, // copy_vma() shares the resv_map ...
        };
        old.HugetlbReservation = null; // ... and clear_vma_resv_huge_pages() takes it from the old area, so its unmap gives nothing back
        foreach (var anonVma in old.AnonVmaChain)
        {
            anonVma.Link(moved);
            moved.AnonVmaChain.Add(anonVma);
        }
        mm.Insert(moved);
        ulong moveLength = System.Math.Min(oldLength, newLength);
        ulong done = 0;
        try
        {
            while (done < moveLength)
                done += old.IsHugetlb ? MoveHugetlbEntry(mm, old, oldAddress + done, target + done) : MoveExtent(mm, old, oldAddress + done, target + done, moveLength - done);
        }
        catch (MmException)
        {
            // move_vma(): on failure the entries go back where they were (their tables exist) and the new area goes
            for (ulong offset = 0; offset < done;)
                offset += moved.IsHugetlb ? MoveHugetlbEntry(mm, moved, target + offset, oldAddress + offset) : MoveExtent(mm, moved, target + offset, oldAddress + offset, done - offset);
            old.HugetlbReservation = moved.HugetlbReservation;
            moved.HugetlbReservation = null;
            VmaOps.Remove(mm, mm.VmaLookup(target)!);
            VmaOps.FreeHoleTables(mm, target, target + newLength);
            throw;
        }
        if (dontUnmap)
        {
            // unlink_anon_vmas(): the old area starts over, with a fresh anon_vma at its next fault
            foreach (var anonVma in old.AnonVmaChain)
                anonVma.Unlink(old);
            old.AnonVmaChain.Clear();
            old.AnonVma = null;
        }
        else
        {
            VmaOps.Unmap(mm, oldAddress, oldAddress + oldLength);
        }
    }

    /// <summary>
    /// One step of move_page_tables(): a huge PMD (or PMD migration entry) whose 2 MiB both addresses cover whole moves intact, the huge
    /// zero page included (move_huge_pmd); any other huge PMD is split and one entry moves. Returns the bytes moved.
    /// </summary>
    private static ulong MoveExtent(Mm mm, Vma vma, ulong from, ulong to, ulong left)
    {
        const ulong pmdMask = PageTable.PmdSize - 1;
        var pageTable = mm.PageTable;
        if (pageTable.TryGetPmdSlot(from, out var source) && pageTable.Read(source) is { IsHuge: true } or { IsSwapPmd: true })
        {
            if ((from & pmdMask) == 0 && (to & pmdMask) == 0 && left >= PageTable.PmdSize && MoveHugePmd(mm, source, to))
                return PageTable.PmdSize;
            Thp.HugePmd.Split(vma, from);
        }
        MovePte(mm, from, to);
        return Machine.PageSize;
    }

    /// <summary>move_huge_pmd(): the entry and its deposited PTE table go to the new PMD; false if that PMD is in use.</summary>
    private static bool MoveHugePmd(Mm mm, PteSlot source, ulong to)
    {
        var pageTable = mm.PageTable;
        if (!pageTable.TryAllocPmdSlot(to, out var dest))
            throw new MmException(Errno.ENOMEM, "no free page for a page table while moving a mapping");
        lock (pageTable.PtLock(source))
        lock (pageTable.PtLock(dest))
        {
            if (!pageTable.Read(dest).IsNone)
                return false;
            var pmd = pageTable.Read(source);
            pageTable.Write(source, Pte.None);
            pageTable.DepositTable(dest, pageTable.WithdrawTable(source));
            pageTable.Write(dest, pmd);
        }
        return true;
    }

    /// <summary>move_hugetlb_page_tables() for one huge page: its entry (present, or hwpoison) moves whole. Returns the bytes moved.</summary>
    private static ulong MoveHugetlbEntry(Mm mm, Vma vma, ulong from, ulong to)
    {
        var hstate = vma.Hstate!;
        var pageTable = mm.PageTable;
        if (!pageTable.TryGetHugePteSlot(from, hstate.Shift, out var source) || pageTable.Read(source).IsNone)
            return hstate.Size;
        if (!pageTable.TryAllocHugePteSlot(to, hstate.Shift, out var dest))
            throw new MmException(Errno.ENOMEM, "no free page for a page table while moving a mapping");
        MoveEntry(pageTable, source, dest, to);
        return hstate.Size;
    }

    /// <summary>move_ptes() for one entry.</summary>
    private static void MovePte(Mm mm, ulong from, ulong to)
    {
        var pageTable = mm.PageTable;
        if (!pageTable.TryGetPteSlot(from, out var source))
            return;
        // move_page_tables() allocates the new PTE table wherever an old one exists, entries or not
        if (!pageTable.TryAllocPteSlot(to, out var dest))
            throw new MmException(Errno.ENOMEM, "no free page for a page table while moving a mapping");
        if (pageTable.Read(source).IsNone)
            return;
        MoveEntry(pageTable, source, dest, to);
    }

    /// <summary>The entry at <paramref name="source"/> moves to the empty <paramref name="dest"/>, both PT locks held.</summary>
    private static void MoveEntry(PageTable pageTable, PteSlot source, PteSlot dest, ulong to)
    {
        lock (pageTable.PtLock(source))
        lock (pageTable.PtLock(dest))
        {
            var entry = pageTable.Read(source);
            MmBug.On(!pageTable.Read(dest).IsNone, $"mremap target 0x{to:x} already mapped");
            pageTable.Write(source, Pte.None);
            pageTable.Write(dest, entry);
        }
    }
}
