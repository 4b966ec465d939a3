using System;
using MmSim.Faults;

namespace MmSim.Vm;

/// <summary>madvise() behaviours (mm/madvise.c) for base pages; the caller holds the mmap lock and validated the range.</summary>
internal static class MadviseOps
{
    /// <summary>Applies <paramref name="advice"/> to [start, end), which areas cover completely.</summary>
    public static void Apply(Mm mm, ulong start, ulong end, Advice advice)
    {
        switch (advice)
        {
            case Advice.Normal:
                return;
            case Advice.Cold:
            case Advice.PageOut:
                ColdPageOut.Apply(mm, start, end, pageout: advice == Advice.PageOut);
                return;
            case Advice.DontNeed:
                foreach (var vma in AreasIn(mm, start, end))
                {
                    ulong from = Math.Max(vma.Start, start), to = Math.Min(vma.End, end);
                    if (vma.IsHugetlb)
                    {
                        // madvise_dontneed_free_valid_vma(): whole huge pages from an aligned start; the end is rounded down
                        if ((from & (vma.HugePageSize - 1)) != 0)
                            throw new MmException(Errno.EINVAL, $"MADV_DONTNEED at 0x{from:x}, inside a hugetlb page of {vma.Hstate!.SizeName}");
                        to &= ~(vma.HugePageSize - 1);
                    }
                    Zap.Range(vma, from, to);
                    ReclaimEmptyTables(vma, from, to);
                }
                return;
            case Advice.DontFork:
                SetFlag(mm, start, end, VmFlags.DontCopy, set: true);
                return;
            case Advice.DoFork:
                SetFlag(mm, start, end, VmFlags.DontCopy, set: false);
                return;
            case Advice.WipeOnFork:
                foreach (var vma in AreasIn(mm, start, end))
                {
                    // madvise_vma_behavior(): "if (vma->vm_file || vma->vm_flags & VM_SHARED)"; hugetlb memory has a hugetlbfs file
                    if (!vma.IsAnonymous || vma.IsHugetlb || vma.Flags.HasFlag(VmFlags.Shared))
                        throw new MmException(Errno.EINVAL, "MADV_WIPEONFORK applies to private anonymous memory only");
                }
                SetFlag(mm, start, end, VmFlags.WipeOnFork, set: true);
                return;
            case Advice.KeepOnFork:
                SetFlag(mm, start, end, VmFlags.WipeOnFork, set: false); // any area: clearing needs no check
                return;
            case Advice.HugePage:
                SetFlag(mm, start, end, VmFlags.NoHugePage, set: false);
                SetFlag(mm, start, end, VmFlags.HugePage, set: true);
                return;
            case Advice.NoHugePage:
                SetFlag(mm, start, end, VmFlags.HugePage, set: false);
                SetFlag(mm, start, end, VmFlags.NoHugePage, set: true);
                return;
            case Advice.Mergeable:
                SetFlag(mm, start, end, VmFlags.Mergeable, set: true);
                return;
            case Advice.Unmergeable:
                UnmergeKsmPages(mm, start, end);
                SetFlag(mm, start, end, VmFlags.Mergeable, set: false);
                return;
            case Advice.PopulateRead:
            case Advice.PopulateWrite:
                Populate(mm, start, end, advice == Advice.PopulateWrite);
                return;
            case Advice.HwPoison:
                HwPoison(mm, start, end);
                return;
            case Advice.Collapse:
                Thp.Collapse.Apply(mm, start, end);
                return;
            default:
                throw new MmException(Errno.EINVAL, $"unknown advice {(int)advice}");
        }
    }

    /// <summary>
    /// madvise_populate(): faults the range in as GUP would (FOLL_WRITE for PopulateWrite, which breaks
    /// COW); an area without the access is EINVAL (check_vma_flags() refuses it, "incompatible mappings /
    /// permissions"), a page beyond the end of its file EFAULT (VM_FAULT_SIGBUS).
    /// </summary>
    private static void Populate(Mm mm, ulong start, ulong end, bool write)
    {
        var needed = write ? VmFlags.Write : VmFlags.Read;
        for (ulong address = start; address < end; address += Machine.PageSize)
        {
            // area by area, in order: what precedes an area without the access stays populated
            var vma = mm.VmaLookup(address)!;
            if ((vma.Flags & needed) == 0)
                throw new MmException(Errno.EINVAL, $"MADV_POPULATE_{(write ? "WRITE" : "READ")} at 0x{address:x}: an area without {(write ? "write" : "read")} access");
            var fault = Gup.GetUserPagesEngine.Populate(vma, address, write);
            if (fault == VmFault.Oom)
                throw new MmException(Errno.ENOMEM, $"out of memory populating 0x{address:x}");
            if (fault == VmFault.SigBus)
                throw new MmException(Errno.EFAULT, $"populating 0x{address:x} beyond the end of its file");
        }
    }

    /// <summary>
    /// madvise_dontneed_single_vma() with details.reclaim_pt (CONFIG_PT_RECLAIM, 6.14): zap_pte_range() frees the
    /// PTE table of every PMD the range covers whole once it holds no entry. On this machine's 6.18 kernel a
    /// read after MADV_DONTNEED of a whole 2 MiB of a THP area maps the huge zero page again, not a small one.
    /// </summary>
    private static void ReclaimEmptyTables(Vma vma, ulong from, ulong to)
    {
        if (vma.IsHugetlb)
            return;
        var mm = vma.Mm;
        ulong first = (from + PageTables.PageTable.PmdSize - 1) & ~(PageTables.PageTable.PmdSize - 1);
        for (ulong haddr = first; haddr + PageTables.PageTable.PmdSize <= to; haddr += PageTables.PageTable.PmdSize)
        {
            if (!mm.PageTable.TryGetPmdSlot(haddr, out var pmdSlot))
                continue;
            object rmapLock = vma.AnonVma?.Root ?? new object(); // an area without anon_vma has no rmap to walk it
            lock (rmapLock)
            {
                mm.TableFreeLock.EnterWriteLock();
                try
                {
                    mm.PageTable.TryFreeEmptyPteTable(pmdSlot);
                }
                finally
                {
                    mm.TableFreeLock.ExitWriteLock();
                }
            }
        }
    }

    /// <summary>madvise_inject_error(): memory_failure() on every present page of the range.</summary>
    private static void HwPoison(Mm mm, ulong start, ulong end)
    {
        for (ulong address = start; address < end; address += Machine.PageSize)
        {
            if (!mm.PageTable.TryGetLeaf(address, out var slot, out int shift))
                continue;
            var pte = mm.PageTable.Read(slot);
            if (pte.Kind != PageTables.PteKind.Present || pte.IsSpecial)
                continue;
            var page = mm.Memory.PfnToPage(PageTables.PageTable.LeafPfn(pte, shift, address));
            if (mm.Machine.MemoryFailure.Poison(mm.Machine, page) is { } error)
                throw new MmException(error, $"memory failure at 0x{address:x} could not isolate the page");
        }
    }

    /// <summary>
    /// unmerge_ksm_pages() / break_ksm(): every KSM page in the range is replaced by an exclusive anonymous
    /// copy through an unshare fault (6.2: "mm/ksm: fix KSM COW breaking with userfaultfd-wp via
    /// FAULT_FLAG_UNSHARE"; earlier kernels raised a write fault to the same effect).
    /// </summary>
    internal static void UnmergeKsmPages(Mm mm, ulong start, ulong end)
    {
        foreach (var vma in AreasIn(mm, start, end))
        {
            if (!vma.Flags.HasFlag(VmFlags.Mergeable))
                continue;
            for (ulong address = Math.Max(vma.Start, start); address < Math.Min(vma.End, end); address += Machine.PageSize)
            {
                while (MappedKsmPage(vma, address))
                {
                    if (FaultHandler.HandleMmFault(vma, address, FaultFlags.Unshare) == VmFault.Oom)
                        throw new MmException(Errno.ENOMEM, $"out of memory unmerging the KSM page at 0x{address:x}");
                }
            }
        }
    }

    private static bool MappedKsmPage(Vma vma, ulong address)
    {
        if (!vma.Mm.PageTable.TryGetPteSlot(address, out var slot))
            return false;
        var pte = vma.Mm.PageTable.Read(slot);
        return pte.Kind == PageTables.PteKind.Present && FaultHandler.VmNormalPage(vma.Mm, pte) is { IsKsm: true };
    }

    private static System.Collections.Generic.List<Vma> AreasIn(Mm mm, ulong start, ulong end) =>
        mm.Vmas.FindAll(v => v.Start < end && v.End > start);

    /// <summary>madvise_update_vma(): an area whose flags would not change is neither split nor touched.</summary>
    private static void SetFlag(Mm mm, ulong start, ulong end, VmFlags flag, bool set)
    {
        VmaOps.SplitRangeWhere(mm, start, end, vma => vma.Flags.HasFlag(flag) != set);
        foreach (var vma in mm.Vmas.FindAll(v => v.Start >= start && v.End <= end))
            vma.Flags = set ? vma.Flags | flag : vma.Flags & ~flag;
        VmaOps.MergeAround(mm, start, end);
    }
}
