using MmSim.PageTables;
using MmSim.Rmap;
using MmSim.Vm;

namespace MmSim.Hugetlb;

/// <summary>
/// copy_hugetlb_page_range() (mm/hugetlb.c): hugetlb entries are shared with the child R/O, except an
/// anon page the parent may have pinned, which the child gets a copy of at once (from the pool). hwpoison
/// entries are copied as they are, migration entries demoted to READ.
/// </summary>
internal static class HugetlbFork
{
    /// <summary>Copies the entries of [src.Start, src.End); false on ENOMEM.</summary>
    public static bool Copy(Vma dst, Vma src)
    {
        var srcTable = src.Mm.PageTable;
        var dstTable = dst.Mm.PageTable;
        bool cow = src.IsCowMapping;
        var hstate = src.Hstate!;
        if (cow)
            src.Mm.WriteProtectSeqBump(); // "mm/hugetlb: take src_mm->write_protect_seq"
        try
        {
            for (ulong address = src.Start; address < src.End; address += hstate.Size)
            {
                if (!srcTable.TryGetHugePteSlot(address, hstate.Shift, out var srcSlot) || srcTable.Read(srcSlot).IsNone)
                    continue;
                if (!dstTable.TryAllocHugePteSlot(address, hstate.Shift, out var dstSlot))
                    return false;
                lock (dstTable.PtLock(dstSlot))
                lock (srcTable.PtLock(srcSlot))
                {
                    if (!CopyEntry(dst, src, dstSlot, srcSlot, address, cow))
                        return false;
                }
            }
            return true;
        }
        finally
        {
            if (cow)
                src.Mm.WriteProtectSeqBump();
        }
    }

    private static bool CopyEntry(Vma dst, Vma src, PteSlot dstSlot, PteSlot srcSlot, ulong address, bool cow)
    {
        var entry = src.Mm.PageTable.Read(srcSlot);
        if (entry.Kind == PteKind.HwPoison)
        {
            // "mm/hugetlb: separate path for hwpoison entry in copy_hugetlb_page_range()": copied as is; taken for a
            // migration entry it once panicked the kernel
            dst.Mm.PageTable.Write(dstSlot, entry);
            return true;
        }
        if (entry.Kind == PteKind.Migration)
        {
            // a page moving meanwhile: "a previously exclusive entry is now shared", so WRITE and READ_EXCLUSIVE
            // become READ on both sides; the entry holds no reference to take
            if (cow && entry.Type != SwapEntryType.MigrationRead)
            {
                entry = Pte.NonPresent(SwapEntryType.MigrationRead, entry.EntryPfn);
                src.Mm.PageTable.Write(srcSlot, entry);
            }
            dst.Mm.PageTable.Write(dstSlot, entry);
            return true;
        }
        var folio = src.Mm.Memory.PfnToPage(entry.Pfn).Folio;
        folio.Get();
        if (folio.IsAnon)
        {
            if (!AnonRmap.PageTryDupAnonRmapCompound(folio, dst, src))
            {
                folio.Put();
                // a maybe-pinned page: the child gets its own copy, exclusive and writable if its area is
                if (dst.Hstate!.Alloc(useReservation: false) is not { } copy)
                    return false;
                copy.CopyContentsFrom(folio); // copy_user_large_folio()
                HugetlbFault.HugepageAddNewAnonRmap(copy, dst, address, dst.Mm.Machine.Policy.TracksExclusivity);
                dst.Mm.PageTable.Write(dstSlot, Pte.HugetlbLeaf(copy.Head.Pfn, dst.Flags.HasFlag(VmFlags.Write), dirty: true));
                return true;
            }
        }
        else
        {
            folio.AddHugetlbEntireMapcount(1); // page_dup_file_rmap(compound)
        }
        if (cow && entry.IsWrite)
        {
            entry = entry.WithoutWrite(); // huge_ptep_set_wrprotect() on both sides
            src.Mm.PageTable.Write(srcSlot, entry);
        }
        dst.Mm.PageTable.Write(dstSlot, entry);
        return true;
    }
}
