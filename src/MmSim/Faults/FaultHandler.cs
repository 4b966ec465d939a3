using MmSim.Diagnostics;
using MmSim.PageFlags;
using MmSim.PageTables;
using MmSim.Physical;
using MmSim.Rmap;
using MmSim.Thp;
using MmSim.Vm;

namespace MmSim.Faults;

/// <summary>
/// handle_mm_fault() for base pages (mm/memory.c): anonymous faults (the zero page on read), file faults
/// through the page cache (read, COW and shared), and write / unshare faults on R/O entries. The caller
/// holds mmap_lock for reading and has checked the access against the area's flags.
/// </summary>
internal static class FaultHandler
{
    public static VmFault HandleMmFault(Vma vma, ulong address, FaultFlags flags)
    {
        MmBug.On((flags & (FaultFlags.Write | FaultFlags.Unshare)) == (FaultFlags.Write | FaultFlags.Unshare),
            "FAULT_FLAG_WRITE and FAULT_FLAG_UNSHARE together");
        if (vma.IsHugetlb)
            return Hugetlb.HugetlbFault.Handle(vma, address, flags);
        var pageTable = vma.Mm.PageTable;
        if (!pageTable.TryAllocPmdSlot(address, out var pmdSlot))
            return VmFault.Oom;
        // __handle_mm_fault(): the PMD level first (a THP, the huge zero page), then the PTE level
        while (true)
        {
            var pmd = pageTable.Read(pmdSlot);
            if (pmd.IsNone && HugePmd.VmaSuitable(vma, address))
            {
                var huge = HugePmd.DoAnonymousPage(vma, pmdSlot, address, flags);
                if (huge != VmFault.NeedPage)
                    return huge;
            }
            else if (pmd.IsSwapPmd)
            {
                // pmd_migration_entry_wait(): the THP is moving; the access retries once the PMD is restored
                System.Threading.Thread.Yield();
                return VmFault.Ok;
            }
            else if (pmd.IsHuge)
            {
                lock (pageTable.PtLock(pmdSlot))
                {
                    pmd = pageTable.Read(pmdSlot);
                    if (!pmd.IsHuge)
                        continue;
                    if ((flags & (FaultFlags.Write | FaultFlags.Unshare)) == 0 || pmd.IsWrite)
                    {
                        if ((flags & FaultFlags.Write) != 0 && !pmd.IsDirty)
                            pageTable.Write(pmdSlot, pmd.WithDirty());
                        return VmFault.Ok;
                    }
                    if (HugePmd.DoWpPage(vma, pmdSlot, pmd, address, flags) != VmFault.NeedPage)
                        return VmFault.Ok;
                }
            }
            switch (pageTable.AllocPteSlotForFault(address, out var slot))
            {
                case PteAlloc.NoMemory:
                    return VmFault.Oom;
                case PteAlloc.Huge:
                    continue; // a THP appeared meanwhile
                default:
                    return HandlePteLevel(vma, slot, address, flags);
            }
        }
    }

    /// <summary>The PTE level: allocations happen without the PT lock, then the handler runs again.</summary>
    private static VmFault HandlePteLevel(Vma vma, PteSlot slot, ulong address, FaultFlags flags)
    {
        var pageTable = vma.Mm.PageTable;
        var newPage = new FaultPage();
        try
        {
            while (true)
            {
                if (pageTable.Read(slot) is { Kind: PteKind.DevicePrivate } device)
                    return Device.DevicePrivate.MigrateToRam(vma, device); // the driver migrates without the PT lock
                VmFault result;
                lock (pageTable.PtLock(slot))
                {
                    result = HandlePteFault(vma, slot, address, flags, ref newPage);
                    if ((vma.Flags & VmFlags.AccessMask) == 0)
                        KeepProtNone(pageTable, slot);
                }
                if (result != VmFault.NeedPage)
                    return result;
                if (!newPage.Allocate(vma.Mm.Machine))
                    return VmFault.Oom;
            }
        }
        finally
        {
            newPage.Release();
        }
    }

    /// <summary>handle_pte_fault(), with the PT lock held.</summary>
    private static VmFault HandlePteFault(Vma vma, PteSlot slot, ulong address, FaultFlags flags, ref FaultPage newPage)
    {
        var pte = vma.Mm.PageTable.Read(slot);
        switch (pte.Kind)
        {
            case PteKind.None:
                return vma.IsAnonymous ? DoAnonymousPage(vma, slot, address, flags, ref newPage) : DoFault(vma, slot, address, flags, ref newPage);
            case PteKind.Present:
                // A PROT_NONE entry faults only for FOLL_FORCE (ptrace, /proc/pid/mem): with no NUMA hinting
                // here it is never do_numa_page(), and the write goes through do_wp_page() like any other
                if ((flags & (FaultFlags.Write | FaultFlags.Unshare)) != 0 && !pte.IsWrite)
                    return WpFault.DoWpPage(vma, slot, pte, address, flags, ref newPage);
                if ((flags & FaultFlags.Write) != 0 && !pte.IsDirty)
                    vma.Mm.PageTable.Write(slot, pte.WithDirty());
                return VmFault.Ok;
            case PteKind.Swap:
                return SwapFault.DoSwapPage(vma, slot, pte, address, flags, ref newPage);
            case PteKind.Migration:
                // migration_entry_wait(): the page is moving; retry once the entry is restored
                System.Threading.Thread.Yield();
                return VmFault.Ok;
            case PteKind.HwPoison:
                return VmFault.HwPoison;
            case PteKind.DevicePrivate:
                return VmFault.Ok; // it appeared after the check above: the access retries and migrates it
            case PteKind.DeviceExclusive:
                // remove_device_exclusive_entry(): the device gives the page back; the access retries
                Device.DeviceExclusive.Restore(vma, slot, pte);
                return VmFault.Ok;
            case PteKind.Marker:
            case PteKind.SwapinError:
                throw MmBug.Bug(vma.Mm.Memory.ZeroPage, $"{pte.Kind} entry at 0x{address:x}: no such entries exist on this machine yet");
            default:
                throw MmBug.Bug(vma.Mm.Memory.ZeroPage, $"unknown entry 0x{pte.Raw:x}");
        }
    }

    /// <summary>
    /// do_anonymous_page(): a read maps the shared zero page R/O; a write maps a new zeroed page, which
    /// page_add_new_anon_rmap() makes exclusive, writable and dirty.
    /// </summary>
    private static VmFault DoAnonymousPage(Vma vma, PteSlot slot, ulong address, FaultFlags flags, ref FaultPage newPage)
    {
        var mm = vma.Mm;
        if ((flags & FaultFlags.Write) == 0)
        {
            mm.PageTable.Write(slot, Pte.Present(mm.Memory.ZeroPage.Pfn, write: false, special: true));
            return VmFault.Ok;
        }
        if (!newPage.TryTake(Gfp.Zero, out var folio))
            return VmFault.NeedPage;
        AnonRmap.PageAddNewAnonRmap(folio.Head, vma, address, mm.Machine.Policy.TracksExclusivity);
        mm.PageTable.Write(slot, MkAnonPte(folio.Head, vma, writeFault: true));
        return VmFault.Ok;
    }

    /// <summary>do_fault(): do_read_fault, do_cow_fault or do_shared_fault.</summary>
    private static VmFault DoFault(Vma vma, PteSlot slot, ulong address, FaultFlags flags, ref FaultPage newPage)
    {
        var file = vma.File!;
        bool write = (flags & FaultFlags.Write) != 0;
        bool cow = write && vma.IsCowMapping;
        Folio folio = default;
        if (cow && !newPage.TryTake(Gfp.None, out folio))
            return VmFault.NeedPage;
        if (file.GetPage(vma.LinearPageIndex(address)) is not { } cached)
        {
            if (cow)
                folio.Put();
            return VmFault.SigBus;
        }
        var mm = vma.Mm;
        if (cow)
        {
            // do_cow_fault(): a private copy of the page-cache page, exclusive from birth
            folio.Head.CopyContentsFrom(cached.Head);
            cached.Put();
            AnonRmap.PageAddNewAnonRmap(folio.Head, vma, address, mm.Machine.Policy.TracksExclusivity);
            mm.PageTable.Write(slot, MkAnonPte(folio.Head, vma, writeFault: true));
            return VmFault.Ok;
        }
        // do_read_fault() / do_shared_fault(): map the page-cache page itself, keeping the reference
        AnonRmap.PageAddFileRmap(cached.Head, vma);
        bool writable = vma.Flags.HasFlag(VmFlags.Shared) && vma.Flags.HasFlag(VmFlags.Write) && (write || file.IsShmem);
        if (write)
            cached.Set(PG.Dirty);
        else
            FaultAround.MapCachedNeighbours(vma, slot, address, writable);
        mm.PageTable.Write(slot, Pte.Present(cached.Head.Pfn, writable, dirty: write));
        return VmFault.Ok;
    }

    /// <summary>An entry a fault installs in a PROT_NONE area (only FOLL_FORCE faults there) has the area's vm_page_prot: inaccessible to the CPU.</summary>
    private static void KeepProtNone(PageTable pageTable, PteSlot slot)
    {
        var installed = pageTable.Read(slot);
        if (installed.Kind == PteKind.Present && !installed.IsProtNone)
            pageTable.Write(slot, installed.ToProtNone());
    }

    /// <summary>mk_pte() + maybe_mkwrite(pte_mkdirty()) for a new anonymous page.</summary>
    public static Pte MkAnonPte(Page page, Vma vma, bool writeFault) =>
        Pte.Present(page.Pfn, write: writeFault && vma.Flags.HasFlag(VmFlags.Write), dirty: writeFault);

    /// <summary>vm_normal_page(): the counted page an entry maps, or null for the zero page.</summary>
    public static Page? VmNormalPage(Mm mm, Pte pte) => pte.IsSpecial ? null : mm.Memory.PfnToPage(pte.Pfn);
}
