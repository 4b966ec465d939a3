using MmSim.Diagnostics;
using MmSim.Faults;
using MmSim.PageTables;
using MmSim.Physical;
using MmSim.Rmap;
using MmSim.Vm;

namespace MmSim.Fork;

/// <summary>
/// copy_page_range() (mm/memory.c, Linux 6.1): the child's entries for one area. Anonymous pages are
/// shared read-only through page_try_dup_anon_rmap(); a page the parent may have pinned is copied for
/// the child instead (copy_present_page), so that the pin keeps seeing what the parent sees.
/// </summary>
internal static class CopyPageRange
{
    /// <summary>Copies [src.Start, src.End); false on ENOMEM.</summary>
    public static bool Copy(Vma dst, Vma src)
    {
        var srcMm = src.Mm;
        bool cow = src.IsCowMapping;
        if (cow)
            srcMm.WriteProtectSeqBump(); // raw_write_seqcount_begin: GUP-fast backs off
        var prealloc = new FaultPage();
        try
        {
            for (ulong address = src.Start; address < src.End;)
            {
                ulong next = System.Math.Min((address | (PageTable.PmdSize - 1)) + 1, src.End);
                if ((address & (PageTable.PmdSize - 1)) == 0)
                {
                    switch (CopyHugePmd(dst, src, address))
                    {
                        case VmFault.Oom:
                            return false;
                        case VmFault.Ok:
                            address = next; // copied as one PMD
                            continue;
                    }
                }
                if (!srcMm.PageTable.TryGetPteSlot(address, out var srcSlot))
                {
                    address = next; // copy_pmd_range(): no table, nothing to copy
                    continue;
                }
                if (!dst.Mm.PageTable.TryAllocPteSlot(address, out var dstSlot))
                    return false;
                var result = CopyPteRange(dst, src, dstSlot, srcSlot, address, next, ref prealloc, out ulong stopped);
                if (result == VmFault.Ok)
                {
                    address = next;
                    continue;
                }
                // page_copy_prealloc(): the copy for a maybe-pinned page is allocated without the locks, then "again"
                if (result != VmFault.NeedPage || !prealloc.Allocate(srcMm.Machine))
                    return false;
                address = stopped;
            }
            return true;
        }
        finally
        {
            prealloc.Release();
            if (cow)
                srcMm.WriteProtectSeqBump(); // raw_write_seqcount_end
        }
    }

    /// <summary>
    /// copy_pte_range(): the entries of [address, end), one PTE table on each side, under both PT locks taken
    /// once. Stops at an entry that cannot be copied yet (<see cref="VmFault.NeedPage"/>), reporting where.
    /// </summary>
    private static VmFault CopyPteRange(Vma dst, Vma src, PteSlot dstSlot, PteSlot srcSlot, ulong address, ulong end,
        ref FaultPage prealloc, out ulong stopped)
    {
        var srcTable = src.Mm.PageTable;
        lock (dst.Mm.PageTable.PtLock(dstSlot))
        lock (srcTable.PtLock(srcSlot))
        {
            for (ulong at = address; at < end; at += Machine.PageSize)
            {
                int offset = (int)((at - address) >> PageTable.PageShift);
                var from = srcSlot with { Index = srcSlot.Index + offset };
                var pte = srcTable.Read(from);
                if (pte.IsNone)
                    continue;
                var result = CopyPte(dst, src, dstSlot with { Index = dstSlot.Index + offset }, from, pte, at, ref prealloc);
                if (result != VmFault.Ok)
                {
                    stopped = at;
                    return result;
                }
            }
        }
        stopped = end;
        return VmFault.Ok;
    }

    /// <summary>
    /// copy_huge_pmd(): a PMD-mapped THP (or the huge zero page) is shared with the child as one PMD, R/O on
    /// both sides, unless the parent may have it pinned: then the parent's PMD is split and the PTE level
    /// copies the pinned subpages (NeedPage: "not a huge PMD (any more), copy PTEs"). A PMD migration entry
    /// is copied as it is, demoted to READ on both sides in a COW mapping (is_swap_pmd branch).
    /// </summary>
    private static VmFault CopyHugePmd(Vma dst, Vma src, ulong address)
    {
        var srcTable = src.Mm.PageTable;
        if (!srcTable.TryGetPmdSlot(address, out var srcSlot) || srcTable.Read(srcSlot) is { IsHuge: false, IsSwapPmd: false })
            return VmFault.NeedPage;
        var dstTable = dst.Mm.PageTable;
        if (!dstTable.TryAllocPmdSlot(address, out var dstSlot) || !dstTable.TryDepositTable(dstSlot))
            return VmFault.Oom;
        lock (srcTable.PtLock(srcSlot))
        {
            var pmd = srcTable.Read(srcSlot);
            if (pmd.IsSwapPmd)
            {
                if (src.IsCowMapping && pmd.Type != SwapEntryType.MigrationRead)
                {
                    pmd = Pte.NonPresent(SwapEntryType.MigrationRead, pmd.EntryPfn); // make_readable_migration_entry()
                    srcTable.Write(srcSlot, pmd);
                }
                MmBug.On(!dstTable.TryInstallHugePmd(dstSlot, () => pmd), $"fork: the child's PMD at 0x{address:x} is populated already");
                return VmFault.Ok;
            }
            if (!pmd.IsHuge)
            {
                dstTable.ZapDepositedTable(dstSlot);
                return VmFault.NeedPage;
            }
            if (!pmd.IsSpecial)
            {
                var folio = src.Mm.Memory.PfnToPage(pmd.Pfn).Folio;
                folio.Get();
                if (!AnonRmap.PageTryDupAnonRmapCompound(folio, dst, src))
                {
                    folio.Put();
                    dstTable.ZapDepositedTable(dstSlot);
                    Thp.HugePmd.SplitLocked(src, srcSlot, address);
                    return VmFault.NeedPage;
                }
            }
            if (src.IsCowMapping && pmd.IsWrite)
            {
                pmd = pmd.WithoutWrite();
                srcTable.Write(srcSlot, pmd);
            }
            MmBug.On(!dstTable.TryInstallHugePmd(dstSlot, () => pmd), $"fork: the child's PMD at 0x{address:x} is populated already");
            return VmFault.Ok;
        }
    }

    /// <summary>copy_present_pte() / copy_nonpresent_pte() of the entry <paramref name="pte"/> read under both PT locks.</summary>
    private static VmFault CopyPte(Vma dst, Vma src, PteSlot dstSlot, PteSlot srcSlot, Pte pte, ulong address, ref FaultPage prealloc)
    {
        switch (pte.Kind)
        {
            case PteKind.None:
                return VmFault.Ok;
            case PteKind.Present:
                return CopyPresentPte(dst, src, dstSlot, srcSlot, pte, address, ref prealloc);
            case PteKind.Swap:
                return CopySwapPte(dst, src, dstSlot, srcSlot, pte) ? VmFault.Ok : VmFault.Oom;
            case PteKind.Migration:
                CopyMigrationPte(dst, src, dstSlot, srcSlot, pte);
                return VmFault.Ok;
            case PteKind.HwPoison:
                dst.Mm.PageTable.Write(dstSlot, pte); // copied as it is, never taken for a migration entry (P17)
                return VmFault.Ok;
            case PteKind.DevicePrivate:
                CopyDevicePrivatePte(dst, src, dstSlot, srcSlot, pte);
                return VmFault.Ok;
            case PteKind.DeviceExclusive:
                // try_restore_exclusive_pte(): the parent's entry is made present again, then copied as one
                return CopyPresentPte(dst, src, dstSlot, srcSlot, Device.DeviceExclusive.Restore(src, srcSlot, pte), address, ref prealloc);
            case PteKind.Marker:
            case PteKind.SwapinError:
                throw MmBug.Bug(src.Mm.Memory.ZeroPage, $"fork: {pte.Kind} entry at 0x{address:x}: no such entries exist on this machine yet");
            default:
                throw MmBug.Bug(src.Mm.Memory.ZeroPage, $"fork: unknown entry 0x{pte.Raw:x}");
        }
    }

    /// <summary>
    /// copy_nonpresent_pte() for a swap entry: one more entry names the slot, and the parent's entry
    /// forgets exclusivity, since the page will be shared once swapped in.
    /// </summary>
    private static bool CopySwapPte(Vma dst, Vma src, PteSlot dstSlot, PteSlot srcSlot, Pte pte)
    {
        if (!src.Mm.Machine.Swap!.Duplicate(pte.SwapOffset))
            return false;
        if (pte.IsSwpExclusive)
        {
            pte = pte.WithoutSwpExclusive();
            src.Mm.PageTable.Write(srcSlot, pte);
        }
        dst.Mm.PageTable.Write(dstSlot, pte);
        return true;
    }

    /// <summary>
    /// copy_nonpresent_pte() for a device-private entry: the page is shared with the child as a swap-cache-less
    /// anonymous page would be (folio_try_dup_anon_rmap_pte() cannot fail: device pages cannot be pinned), and
    /// in a COW mapping a writable entry becomes readable on both sides.
    /// </summary>
    private static void CopyDevicePrivatePte(Vma dst, Vma src, PteSlot dstSlot, PteSlot srcSlot, Pte pte)
    {
        var page = src.Mm.Memory.PfnToPage(pte.EntryPfn);
        page.Folio.Get();
        MmBug.On(!AnonRmap.PageTryDupAnonRmap(page, dst, src), page, "fork: a device-private page that may be pinned");
        if (src.IsCowMapping && pte.ReadableNonPresent() is { } readable)
        {
            pte = readable;
            src.Mm.PageTable.Write(srcSlot, pte);
        }
        dst.Mm.PageTable.Write(dstSlot, pte);
    }

    /// <summary>
    /// copy_nonpresent_pte() for a migration entry: in a COW mapping a WRITE or READ_EXCLUSIVE entry is
    /// demoted to READ in the parent ("a previously exclusive entry is now shared"), and the child gets READ.
    /// </summary>
    private static void CopyMigrationPte(Vma dst, Vma src, PteSlot dstSlot, PteSlot srcSlot, Pte pte)
    {
        if (src.IsCowMapping && pte.Type != SwapEntryType.MigrationRead)
        {
            pte = Pte.NonPresent(SwapEntryType.MigrationRead, pte.EntryPfn);
            src.Mm.PageTable.Write(srcSlot, pte);
        }
        dst.Mm.PageTable.Write(dstSlot, pte);
    }

    private static VmFault CopyPresentPte(Vma dst, Vma src, PteSlot dstSlot, PteSlot srcSlot, Pte pte, ulong address, ref FaultPage prealloc)
    {
        var page = FaultHandler.VmNormalPage(src.Mm, pte);
        if (page is { IsAnon: true } anon)
        {
            anon.Folio.Get();
            if (!AnonRmap.PageTryDupAnonRmap(anon, dst, src))
            {
                anon.Folio.Put();
                return CopyPresentPage(dst, dstSlot, anon, address, ref prealloc);
            }
        }
        else if (page is { } file)
        {
            file.Folio.Get();
            AnonRmap.PageAddFileRmap(file, dst);
        }
        if (src.IsCowMapping && pte.IsWrite)
        {
            // both sides map the page R/O; the next write faults and decides
            src.Mm.PageTable.Write(srcSlot, pte.WithoutWrite());
            pte = pte.WithoutWrite();
        }
        if (src.Mm.Memory.DebugVm && page is { IsAnon: true } shared && src.Mm.Machine.Policy.TracksExclusivity)
            MmBug.VmOn(shared.IsAnonExclusive, shared, "copy_present_pte left a shared page exclusive");
        dst.Mm.PageTable.Write(dstSlot, pte);
        return VmFault.Ok;
    }

    /// <summary>
    /// copy_present_page(): the child gets a copy of a maybe-pinned page, exclusive and writable if its
    /// area is; the parent keeps the pinned page, exclusive and as writable as it was.
    /// </summary>
    private static VmFault CopyPresentPage(Vma dst, PteSlot dstSlot, PageFlags.Page source, ulong address, ref FaultPage prealloc)
    {
        if (!prealloc.TryTake(Gfp.None, out var folio))
            return VmFault.NeedPage;
        folio.Head.CopyContentsFrom(source);
        AnonRmap.PageAddNewAnonRmap(folio.Head, dst, address, dst.Mm.Machine.Policy.TracksExclusivity);
        dst.Mm.PageTable.Write(dstSlot, FaultHandler.MkAnonPte(folio.Head, dst, writeFault: true));
        return VmFault.Ok;
    }
}
