using MmSim.Diagnostics;
using MmSim.Faults;
using MmSim.PageFlags;
using MmSim.PageTables;
using MmSim.Vm;

namespace MmSim.Hugetlb;

/// <summary>
/// hugetlb_fault() (mm/hugetlb.c, Linux 6.1): hugetlb_no_page() for an empty entry, hugetlb_wp() for a
/// write or unshare fault on a R/O one. hugetlb keeps the flag on the head only, and still decides reuse
/// by mapcount in every generation: huge pages are scarce, and a needless copy could fail with SIGBUS
/// (the reason the vmsplice tests on hugetlb are the kernel's expected failures).
/// </summary>
internal static class HugetlbFault
{
    public static VmFault Handle(Vma vma, ulong address, FaultFlags flags)
    {
        var mm = vma.Mm;
        var hstate = vma.Hstate!;
        ulong haddr = address & ~(hstate.Size - 1);
        if (!mm.PageTable.TryAllocHugePteSlot(haddr, hstate.Shift, out var slot))
            return VmFault.Oom;
        lock (mm.PageTable.PtLock(slot))
        {
            var pte = mm.PageTable.Read(slot);
            if (pte.Kind == PteKind.HwPoison)
                return VmFault.HwPoison; // VM_FAULT_HWPOISON_LARGE: the whole huge page is gone
            if (pte.Kind == PteKind.Migration)
            {
                // migration_entry_wait_huge(): the page is moving; the access retries once the entry is restored
                System.Threading.Thread.Yield();
                return VmFault.Ok;
            }
            MmBug.On(!pte.IsNone && !pte.IsPresent, $"hugetlb entry {pte} at 0x{haddr:x} of a kind this machine never creates");
            if (pte.IsNone)
            {
                var result = NoPage(vma, slot, haddr, flags);
                if (result != VmFault.Ok || (flags & FaultFlags.Write) == 0 || vma.Flags.HasFlag(VmFlags.Shared))
                    return result;
                pte = mm.PageTable.Read(slot); // "optimization, do the COW without a second fault"
            }
            if ((flags & (FaultFlags.Write | FaultFlags.Unshare)) != 0 && !pte.IsWrite)
                return Wp(vma, slot, pte, haddr, (flags & FaultFlags.Unshare) != 0);
            if ((flags & FaultFlags.Write) != 0 && !pte.IsDirty)
                mm.PageTable.Write(slot, pte.WithDirty());
            return VmFault.Ok;
        }
    }

    /// <summary>
    /// hugetlb_no_page(): an anonymous area gets a new zeroed page (no zero page for hugetlb), a file area
    /// its page-cache page; writable only in a shared writable area.
    /// </summary>
    private static VmFault NoPage(Vma vma, PteSlot slot, ulong haddr, FaultFlags flags)
    {
        var mm = vma.Mm;
        var machine = mm.Machine;
        Folio folio;
        if (vma.IsAnonymous)
        {
            var reservation = vma.HugetlbReservation;
            bool reserved = reservation is not null && reservation.Consume(vma.LinearPageIndex(haddr));
            if (vma.Hstate!.Alloc(reserved) is not { } fresh)
                return VmFault.SigBus; // no huge page: the process gets SIGBUS
            folio = fresh;
            HugepageAddNewAnonRmap(folio, vma, haddr, machine.Policy.TracksExclusivity);
        }
        else
        {
            ulong index = vma.LinearPageIndex(haddr) / (ulong)vma.Hstate!.NrPages;
            if (vma.File!.GetPage(index) is not { } cached)
                return VmFault.SigBus;
            folio = cached;
            folio.AddHugetlbEntireMapcount(1); // hugetlb_add_file_rmap()
        }
        bool writable = vma.Flags.HasFlag(VmFlags.Write) && vma.Flags.HasFlag(VmFlags.Shared);
        mm.PageTable.Write(slot, Pte.HugetlbLeaf(folio.Head.Pfn, writable, dirty: writable && (flags & FaultFlags.Write) != 0));
        return VmFault.Ok;
    }

    /// <summary>
    /// hugetlb_wp(): an anon page mapped once is reused (and made exclusive if it was not); anything else is
    /// copied into a new page, writable unless this is an unshare fault.
    /// </summary>
    private static VmFault Wp(Vma vma, PteSlot slot, Pte pte, ulong haddr, bool unshare)
    {
        if (unshare && !vma.IsCowMapping)
            return VmFault.Ok;
        var mm = vma.Mm;
        var machine = mm.Machine;
        var old = mm.Memory.PfnToPage(pte.Pfn).Folio;
        if (old.IsAnon && old.Head.MapCount == 1)
        {
            if (machine.Policy.TracksExclusivity && !old.Head.IsAnonExclusive)
            {
                old.Lock();
                Rmap.AnonRmap.PageMoveAnonRmap(old.Head, vma);
                old.Unlock();
            }
            if (!unshare)
                mm.PageTable.Write(slot, new Pte(pte.Raw | Pte.WriteBit | Pte.DirtyBit | Pte.SoftDirtyBit));
            return VmFault.Ok;
        }
        if (machine.Policy.TracksExclusivity && old.IsAnon)
            MmBug.VmOn(old.Head.IsAnonExclusive, old.Head, "hugetlb_wp copies an exclusive page");
        if (vma.Hstate!.Alloc(useReservation: false) is not { } copy)
            return VmFault.SigBus;
        copy.CopyContentsFrom(old); // copy_user_large_folio()
        HugepageAddNewAnonRmap(copy, vma, haddr, machine.Policy.TracksExclusivity);
        mm.PageTable.Write(slot, Pte.HugetlbLeaf(copy.Head.Pfn, write: !unshare && vma.Flags.HasFlag(VmFlags.Write), dirty: !unshare));
        old.AddHugetlbEntireMapcount(-1); // hugetlb_remove_rmap()
        old.Put();
        return VmFault.Ok;
    }

    /// <summary>hugepage_add_new_anon_rmap(): mapped once, anonymous, exclusive through the head.</summary>
    public static void HugepageAddNewAnonRmap(Folio folio, Vma vma, ulong haddr, bool exclusive)
    {
        folio.SetMapping(vma.Mm.AnonVmaPrepare(vma).Mapping);
        folio.SetIndex(vma.LinearPageIndex(haddr));
        Rmap.AnonRmap.PageAddAnonRmapPmd(folio, vma, exclusive);
    }
}
