using System;
using MmSim.Diagnostics;
using MmSim.Faults;
using MmSim.PageFlags;
using MmSim.PageTables;
using MmSim.Vm;

namespace MmSim.Gup;

/// <summary>
/// get_user_pages / pin_user_pages (mm/gup.c, Linux 6.2): GUP-fast first when asked (lockless, backing
/// off from a concurrent fork through write_protect_seq), then the slow path under mmap_lock, which
/// follows each entry under its PT lock and faults (write, or unshare for R/O pins of possibly shared
/// pages) until the entry can be taken. All or nothing: on failure every reference taken is dropped.
/// </summary>
internal static class GetUserPagesEngine
{
    public static GupPages Take(Mm mm, ulong address, int count, GupFlags flags, bool pin)
    {
        var machine = mm.Machine;
        if (count <= 0)
            throw new MmException(Errno.EINVAL, $"page count {count} must be positive");
        if ((flags & GupFlags.Longterm) != 0 && !pin)
            throw new MmException(Errno.EINVAL, "FOLL_LONGTERM needs FOLL_PIN (is_valid_gup_args)");
        ulong start = address & ~(ulong)(Machine.PageSize - 1);
        ulong length = (ulong)count * Machine.PageSize;
        if (start + length < start || start + length > Mm.TaskSize)
            throw new MmException(Errno.EFAULT, $"range at 0x{address:x} of {count} pages leaves the user address space");

        var grab = pin && machine.Policy.TracksPins ? GupGrab.Pin : GupGrab.Get;
        if (grab == GupGrab.Pin)
            mm.HasPinned = true; // mm_set_has_pinned_flag(), before the first pin can be seen by fork
        var pages = new Page[count];
        // __gup_longterm_locked(): take the pages again for as long as check_and_migrate_movable_pages() moved some
        do
        {
            TakeAll(mm, start, pages, flags, pin, grab);
        }
        while ((flags & GupFlags.Longterm) != 0 && !LongtermMigration.CheckAndMigrate(machine, pages, grab));
        if (pin)
            machine.AddPinnedPages(count);
        var result = new GupPages(machine, pages, (flags & GupFlags.Write) != 0, grab, countAsPins: pin);
        machine.TrackGup(result);
        return result;
    }

    /// <summary>Every page of the range, GUP-fast first if asked, the rest on the slow path; all or nothing.</summary>
    private static void TakeAll(Mm mm, ulong start, Page[] pages, GupFlags flags, bool pin, GupGrab grab)
    {
        int got = 0;
        try
        {
            if ((flags & GupFlags.Fast) != 0)
                got = LocklessPages(mm, start, pages, flags, pin, grab);
            if (got < pages.Length)
            {
                mm.MmapLock.EnterReadLock();
                try
                {
                    while (got < pages.Length)
                        got += SlowPages(mm, start + (ulong)got * Machine.PageSize, pages.AsSpan(got), flags, pin, grab);
                }
                finally
                {
                    mm.MmapLock.ExitReadLock();
                }
            }
        }
        catch
        {
            for (int i = 0; i < got; i++)
                grab.Release(pages[i], tracksExclusivity: false);
            throw;
        }
    }

    /// <summary>
    /// populate_vma_page_range() for MADV_POPULATE_*: faults one page in as GUP would (FOLL_WRITE breaks
    /// COW), without taking a reference.
    /// </summary>
    public static VmFault Populate(Vma vma, ulong address, bool write)
    {
        var flags = write ? GupFlags.Write : GupFlags.None;
        bool cowBroken = false;
        while (true)
        {
            var need = Follow(vma, address, flags, pin: false, grab: null, cowBroken, default, out _);
            if (need == Need.Nothing)
                return VmFault.Ok;
            var fault = FaultHandler.HandleMmFault(vma, address, need == Need.Unshare ? FaultFlags.Unshare : write ? FaultFlags.Write : FaultFlags.None);
            if (fault != VmFault.Ok)
                return fault;
            cowBroken |= write;
        }
    }

    /// <summary>
    /// __get_user_pages() from <paramref name="address"/> on, with mmap_lock held for reading: the page there, and the
    /// pages after it that the same huge entry maps (follow_page_mask()'s page_mask); returns how many it took.
    /// </summary>
    private static int SlowPages(Mm mm, ulong address, Span<Page> into, GupFlags flags, bool pin, GupGrab grab)
    {
        var vma = mm.VmaLookup(address) ?? throw new MmException(Errno.EFAULT, $"no mapping at 0x{address:x}");
        CheckVmaFlags(vma, flags, address);
        bool write = (flags & GupFlags.Write) != 0;
        bool cowBroken = false;
        while (true)
        {
            var need = Follow(vma, address, flags, pin, grab, cowBroken, into, out int taken);
            if (need == Need.Nothing)
                return taken;
            // faultin_page()
            var faultFlags = FaultFlags.Remote | (need == Need.Unshare ? FaultFlags.Unshare : write ? FaultFlags.Write : FaultFlags.None);
            switch (FaultHandler.HandleMmFault(vma, address, faultFlags))
            {
                case VmFault.Oom:
                    throw new MmException(Errno.ENOMEM, $"out of memory faulting in 0x{address:x} for GUP");
                case VmFault.SigBus:
                    throw new MmException(Errno.EFAULT, $"0x{address:x} lies beyond the end of its file");
                case VmFault.HwPoison:
                    throw new MmException(Errno.EHWPOISON, $"0x{address:x} maps a frame with a memory error");
            }
            if (write && !vma.Flags.HasFlag(VmFlags.Write))
                cowBroken = true; // FOLL_COW
        }
    }

    /// <summary>check_vma_flags(): what GUP may do with an area at all.</summary>
    private static void CheckVmaFlags(Vma vma, GupFlags flags, ulong address)
    {
        bool force = (flags & GupFlags.Force) != 0;
        if ((flags & (GupFlags.Write | GupFlags.Longterm)) == (GupFlags.Write | GupFlags.Longterm) && !vma.Mm.Machine.Policy.LongtermWriteAllowed(vma))
            throw new MmException(Errno.EFAULT, $"0x{address:x}: a long-term writable pin of a shared file mapping whose file system tracks dirty pages");
        if ((flags & GupFlags.Write) != 0)
        {
            if (!vma.Flags.HasFlag(VmFlags.Write) && (!force || !vma.IsCowMapping))
                throw new MmException(Errno.EFAULT, $"0x{address:x}: a write reference to an area without write access{(force ? " that is not a private mapping" : "")}");
        }
        else if (!vma.Flags.HasFlag(VmFlags.Read) && (!force || !vma.Flags.HasFlag(VmFlags.MayRead)))
        {
            throw new MmException(Errno.EFAULT, $"0x{address:x}: a reference to an area without read access");
        }
    }

    private enum Need
    {
        Nothing,
        Fault,
        Unshare,
    }

    /// <summary>
    /// follow_page_pte() / follow_trans_huge_pmd() / follow_huge_pud(): takes the page if the entry allows this
    /// access, else says which fault is needed. For a huge entry the head decides exclusivity, and the subpage is
    /// taken with as many of the following subpages as <paramref name="into"/> has room for (<paramref name="taken"/>).
    /// </summary>
    private static Need Follow(Vma vma, ulong address, GupFlags flags, bool pin, GupGrab? grab, bool cowBroken, Span<Page> into, out int taken)
    {
        taken = 0;
        var mm = vma.Mm;
        if (!mm.PageTable.TryGetLeaf(address, out var slot, out int shift))
            return Need.Fault;
        bool huge = shift != PageTable.PageShift;
        lock (mm.PageTable.PtLock(slot))
        {
            var entry = mm.PageTable.Read(slot);
            if (entry.Kind != PteKind.Present || entry.IsHuge != huge)
                return Need.Fault;
            var mapped = entry.IsSpecial
                ? huge ? mm.Machine.HugeZeroPageIfAllocated!.Value.Head : mm.Memory.ZeroPage
                : mm.Memory.PfnToPage(entry.Pfn);
            var normal = entry.IsSpecial ? (Page?)null : mapped;
            bool write = (flags & GupFlags.Write) != 0;
            if (write && !entry.IsWrite &&
                ((flags & GupFlags.Force) == 0 || !mm.Machine.Policy.CanFollowWriteForce(vma, entry, normal, cowBroken)))
                return Need.Fault;
            if (!entry.IsWrite && mm.Machine.Policy.GupMustUnshare(vma, mapped, pin, (flags & GupFlags.Longterm) != 0))
                return Need.Unshare;
            if (grab is { } how)
            {
                long first = huge ? PageTable.LeafPfn(entry, shift, address) : mapped.Pfn;
                taken = huge ? (int)Math.Min((ulong)into.Length, (PageTable.LeafEnd(address, shift) - address) >> PageTable.PageShift) : 1;
                for (int i = 0; i < taken; i++)
                {
                    into[i] = huge ? mm.Memory.PfnToPage(first + i) : mapped;
                    how.Grab(into[i]);
                }
                if (how == GupGrab.Pin && mm.Memory.DebugVm && mapped.IsAnon && mm.Machine.Policy.TracksExclusivity)
                    MmBug.VmOn(!mapped.IsAnonExclusive, mapped, "pinned an anonymous page that is not exclusive");
                if (write && !entry.IsDirty)
                    mm.PageTable.Write(slot, entry.WithDirty()); // FOLL_TOUCH
            }
            return Need.Nothing;
        }
    }

    /// <summary>
    /// lockless_pages_from_mm() / gup_pte_range(): takes what it can without locks, in order, stopping at
    /// the first entry it cannot handle; a fork that ran meanwhile (write_protect_seq moved) voids the pins.
    /// The upper levels are walked once per PMD (gup_fast_pmd_range), and each page's PMD and PTE are read
    /// again after its grab, so that a table detached meanwhile (collapse) or a changed entry drops the page.
    /// </summary>
    internal static int LocklessPages(Mm mm, ulong start, Page[] pages, GupFlags flags, bool pin, GupGrab grab)
    {
        int seq = mm.WriteProtectSeq;
        if (grab == GupGrab.Pin && (seq & 1) != 0)
            return 0;
        bool write = (flags & GupFlags.Write) != 0;
        var pageTable = mm.PageTable;
        ulong region = ulong.MaxValue, regionMask = 0;
        PteSlot pmdSlot = default;
        Pte pmd = default;
        int levelShift = PageTable.PmdShift;
        int got = 0;
        mm.TableFreeLock.EnterReadLock();
        try
        {
            for (; got < pages.Length; got++)
            {
                ulong address = start + (ulong)got * Machine.PageSize;
                if ((address & ~regionMask) != region)
                {
                    // gup_fast_pud_range() stops at a huge PUD (gup_fast_pud_leaf), else gup_fast_pmd_range()
                    if (!pageTable.TryGetPmdLevel(address, out pmdSlot, out levelShift))
                        break;
                    regionMask = (1UL << levelShift) - 1;
                    region = address & ~regionMask;
                    pmd = pageTable.Read(pmdSlot); // pmdp_get_lockless()
                }
                if (!pmd.IsPresent)
                    break;
                bool huge = pmd.IsHuge;
                var slot = huge ? pmdSlot : new PteSlot((int)pmd.Pfn, (int)((address >> PageTable.PageShift) & (PageTable.PtrsPerTable - 1)));
                var pte = pageTable.Read(slot);
                if (pte.Kind != PteKind.Present || pte.IsHuge != huge || pte.IsProtNone || pte.IsSpecial || (write && !pte.IsWrite))
                    break;
                var page = mm.Memory.PfnToPage(PageTable.LeafPfn(pte, huge ? levelShift : PageTable.PageShift, address));
                if (!grab.TryGrab(page))
                    break;
                if ((flags & GupFlags.Longterm) != 0 && !LongtermMigration.IsLongtermPinnable(page))
                {
                    grab.Release(page, tracksExclusivity: false);
                    break; // gup_fast_pte_range(): the slow path migrates it out of ZONE_MOVABLE
                }
                if ((flags & (GupFlags.Write | GupFlags.Longterm)) == (GupFlags.Write | GupFlags.Longterm) &&
                    !mm.Machine.Policy.FastLongtermWriteAllowed(page.Folio))
                {
                    grab.Release(page, tracksExclusivity: false);
                    break; // folio_fast_pin_allowed(): let the slow path look at the area
                }
                // gup_huge_pmd(): the head decides whether a R/O pin must unshare
                var decides = huge ? page.Folio.Head : page;
                if (pageTable.Read(pmdSlot) != pmd || pageTable.Read(slot) != pte ||
                    (!pte.IsWrite && mm.Machine.Policy.GupMustUnshare(null, decides, pin, (flags & GupFlags.Longterm) != 0)))
                {
                    grab.Release(page, tracksExclusivity: false);
                    break;
                }
                pages[got] = page;
            }
        }
        finally
        {
            mm.TableFreeLock.ExitReadLock();
        }
        if (grab == GupGrab.Pin && mm.WriteProtectSeq != seq)
        {
            // a fork may have made these pages shared: unpin without sanity checks, go slow
            for (int i = 0; i < got; i++)
                grab.Release(pages[i], tracksExclusivity: false);
            return 0;
        }
        return got;
    }
}
