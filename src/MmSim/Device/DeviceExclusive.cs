using MmSim.Gup;
using MmSim.PageFlags;
using MmSim.PageTables;
using MmSim.Vm;

namespace MmSim.Device;

/// <summary>
/// Device-exclusive entries (make_device_exclusive(), mm/rmap.c, Linux 6.1-6.14): a device that wants
/// atomic access to a page of ordinary memory takes it away from the CPU. The page stays where it is,
/// anonymous and exclusive (GUP with FOLL_WRITE broke any COW sharing first), and the entry that mapped it
/// becomes SWP_DEVICE_EXCLUSIVE_WRITE or _READ, still holding the mapping's reference and mapcount. A CPU
/// access restores the present entry (remove_device_exclusive_entry / restore_exclusive_pte); so does fork,
/// before it copies the entry as a present one (copy_nonpresent_pte).
/// </summary>
internal static class DeviceExclusive
{
    /// <summary>
    /// make_device_exclusive() for one page: 0, or a negative errno: -EFAULT (no writable area, or the write
    /// fault failed), -EBUSY (not an anonymous small page: KSM, a THP, a file page).
    /// </summary>
    public static int Make(Mm mm, ulong address)
    {
        if (mm.VmaLookup(address) is not { } vma || !vma.Flags.HasFlag(VmFlags.Write))
            return -(int)Errno.EFAULT; // check_vma_flags(): FOLL_WRITE needs a writable area
        if (GetUserPagesEngine.Populate(vma, address, write: true) != Faults.VmFault.Ok)
            return -(int)Errno.EFAULT; // FOLL_WRITE: breaks COW, so that the page is exclusive
        if (!mm.PageTable.TryGetPteSlot(address, out var slot))
            return -(int)Errno.EBUSY; // a PMD-mapped THP: the kernel splits it; the simulator leaves it
        lock (mm.PageTable.PtLock(slot))
        {
            var pte = mm.PageTable.Read(slot);
            if (pte.Kind != PteKind.Present || pte.IsSpecial)
                return -(int)Errno.EBUSY; // changed meanwhile
            var page = mm.Memory.PfnToPage(pte.Pfn);
            if (!page.IsAnon || page.Folio.IsLarge || page.IsKsm)
                return -(int)Errno.EBUSY;
            var type = pte.IsWrite ? SwapEntryType.DeviceExclusiveWrite : SwapEntryType.DeviceExclusiveRead;
            if (pte.IsDirty)
                page.Folio.Set(PG.Dirty);
            mm.PageTable.Write(slot, Pte.NonPresent(type, page.Pfn)); // the mapping's reference and mapcount stay
            return 0;
        }
    }

    /// <summary>restore_exclusive_pte(), PT lock held: the entry maps its page again, writable if it was.</summary>
    public static Pte Restore(Vma vma, PteSlot slot, Pte entry)
    {
        bool write = entry.Type == SwapEntryType.DeviceExclusiveWrite && vma.Flags.HasFlag(VmFlags.Write);
        var pte = Pte.Present(entry.EntryPfn, write, dirty: write);
        vma.Mm.PageTable.Write(slot, pte);
        return pte;
    }
}
