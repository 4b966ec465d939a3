using System;
using System.Collections.Generic;
using System.Threading;
using MmSim.Diagnostics;
using MmSim.PageFlags;

namespace MmSim.Physical;

/// <summary>
/// The simulated RAM: the memmap, ZONE_NORMAL and an optional ZONE_MOVABLE with their buddy allocators,
/// optional device-private memory (ZONE_DEVICE, outside the buddy allocator), and the shared zero page. Pages
/// are allocated as folios (post_alloc_hook + prep_compound_page) and freed when their last reference
/// goes (free_pages_prepare with its bad-page checks, then __free_one_page).
/// </summary>
public sealed class PhysicalMemory
{
    /// <summary>PAGE_SIZE.</summary>
    public const int PageSize = 4096;

    /// <summary>MAX_ORDER - 1: the largest order the buddy allocator hands out.</summary>
    public const int MaxAllocOrder = BuddyAllocator.MaxOrder - 1;

    /// <summary>ZONE_NORMAL: every allocation may come from here.</summary>
    private readonly BuddyAllocator _normal;

    /// <summary>ZONE_MOVABLE (movablecore=): only movable allocations, so that its pages can always be migrated away; null without one.</summary>
    private readonly BuddyAllocator? _movable;

    /// <summary>Free device-private frames (the driver's pool of ZONE_DEVICE pages), lowest on top.</summary>
    private readonly Stack<int> _deviceFree = new();

    /// <param name="bytes">Size of RAM; rounded down to whole pages.</param>
    /// <param name="debugVm">Run VM_BUG_ON-style checks (CONFIG_DEBUG_VM).</param>
    /// <param name="movableBytes">The part of RAM that forms ZONE_MOVABLE, rounded down to whole 4 MiB blocks; 0 for none.</param>
    /// <param name="deviceBytes">The top of the frame range given to device-private memory (ZONE_DEVICE); 0 for none.</param>
    public PhysicalMemory(long bytes, bool debugVm = false, long movableBytes = 0, long deviceBytes = 0)
    {
        long frames = bytes / PageSize;
        if (frames < 2 || frames > int.MaxValue / 2)
            throw new MmException(Errno.EINVAL, $"memory size {bytes} bytes is outside 2 pages .. {(long)(int.MaxValue / 2) * PageSize} bytes");
        long movableFrames = (movableBytes / PageSize) & ~((1L << MaxAllocOrder) - 1);
        long deviceFrames = deviceBytes / PageSize;
        if (movableBytes < 0 || deviceBytes < 0 || movableFrames + deviceFrames > frames - 2)
            throw new MmException(Errno.EINVAL, $"a movable zone of {movableBytes} bytes and device memory of {deviceBytes} bytes leave no normal memory in {bytes} bytes");
        Map = new Memmap((int)frames, debugVm);
        DeviceStart = (int)(frames - deviceFrames);
        MovableStart = (int)(DeviceStart - movableFrames);
        _normal = new BuddyAllocator(Map, 0, MovableStart);
        _movable = movableFrames > 0 ? new BuddyAllocator(Map, MovableStart, DeviceStart) : null;
        Lru = new Lru(this);
        // the shared zero page (empty_zero_page): reserved, never freed, never written
        ZeroPage = new Page(this, 0);
        Map.Flags[0] = PageFlagBit.Reserved.Mask();
        Map.RefCount[0] = 1;
        FreeBootMemory(_normal, 1, MovableStart);
        if (_movable is not null)
            FreeBootMemory(_movable, MovableStart, DeviceStart);
        for (int pfn = Map.Frames - 1; pfn >= DeviceStart; pfn--)
            _deviceFree.Push(pfn); // memremap_pages(): struct pages exist, but the buddy allocator never sees them
    }

    /// <summary>The first frame of ZONE_MOVABLE (<see cref="DeviceStart"/> without one).</summary>
    public int MovableStart { get; }

    /// <summary>The first device-private frame (the end of RAM without device memory).</summary>
    public int DeviceStart { get; }

    /// <summary>page_zonenum(page) == ZONE_MOVABLE.</summary>
    public bool IsZoneMovable(long pfn) => pfn >= MovableStart && pfn < DeviceStart;

    /// <summary>page_zone(): the buddy zone a frame of RAM belongs to.</summary>
    private BuddyAllocator ZoneOf(long pfn) => IsZoneMovable(pfn) ? _movable! : _normal;

    /// <summary>A free-list figure summed over the zones, each read under its lock.</summary>
    private long SumOverZones(Func<BuddyAllocator, long> figure)
    {
        long total;
        lock (_normal.Lock)
            total = figure(_normal);
        if (_movable is { } movable)
        {
            lock (movable.Lock)
                total += figure(movable);
        }
        return total;
    }

    /// <summary>is_device_private_page(): a frame of device memory the CPU cannot access.</summary>
    public bool IsZoneDevice(long pfn) => pfn >= DeviceStart;

    /// <summary>Free device-private frames.</summary>
    internal int DeviceFreePages
    {
        get
        {
            lock (_deviceFree)
                return _deviceFree.Count;
        }
    }

    /// <summary>The driver's page allocator for device memory: a device-private frame with refcount 1, or null if none is free.</summary>
    internal Folio? AllocDevicePage()
    {
        int pfn;
        lock (_deviceFree)
        {
            if (!_deviceFree.TryPop(out pfn))
                return null;
        }
        PrepNewPages(pfn, 0, Gfp.None);
        return new Folio(new Page(this, pfn));
    }

    internal Memmap Map { get; }

    /// <summary>
    /// CONFIG_DEBUG_VM. Hot paths test it before a <c>MmBug.VmOn</c>: C# evaluates the condition even when the
    /// check is off, where the kernel compiles VM_BUG_ON away (an unpin's check cost as much as the unpin).
    /// </summary>
    internal bool DebugVm => Map.DebugVm;

    /// <summary>Allocation failure injection (fail_page_alloc).</summary>
    internal FailPageAlloc FailPageAlloc { get; } = new();

    /// <summary>free_huge_page(), set by the hugetlb pool.</summary>
    internal System.Action<Folio>? HugetlbFree { get; set; }

    /// <summary>The anonymous LRU list.</summary>
    internal Lru Lru { get; }

    /// <summary>The objects that ->mapping values name.</summary>
    internal ObjectTable Mappings { get; } = new();

    /// <summary>Frames of RAM.</summary>
    public long TotalPages => Map.Frames;

    /// <summary>Frames on the buddy free lists.</summary>
    public long FreePages
    {
        get
        {
            return SumOverZones(zone => zone.FreePages);
        }
    }

    /// <summary>Free blocks of one order (/proc/buddyinfo).</summary>
    public long FreeBlocks(int order)
    {
        CheckOrder(order);
        return SumOverZones(zone => zone.FreeBlocks(order));
    }

    /// <summary>The shared zero page (ZERO_PAGE(0)).</summary>
    public Page ZeroPage { get; }

    /// <summary>Host bytes of metadata per simulated frame, page contents aside.</summary>
    public static int MetadataBytesPerFrame => Memmap.BytesPerFrame;

    /// <summary>pfn_to_page(); a PFN outside RAM is EINVAL.</summary>
    public Page PfnToPage(long pfn)
    {
        if (!Map.IsValidPfn(pfn))
            throw new MmException(Errno.EINVAL, $"pfn 0x{pfn:x} is outside RAM (0 .. 0x{Map.Frames - 1:x})");
        return new Page(this, (int)pfn);
    }

    /// <summary>
    /// folio_alloc() / __alloc_pages(): a folio of 2^<paramref name="order"/> pages with refcount 1, compound
    /// when order &gt; 0, or null when no free block is large enough (the caller decides on ENOMEM).
    /// </summary>
    [MmSim.Contracts.FreshPage]
    public Folio? AllocFolio(int order, Gfp gfp = Gfp.None, CompoundDtor dtor = CompoundDtor.Compound)
    {
        CheckOrder(order);
        if (FailPageAlloc.ShouldFail())
        {
            return null;
        }
        // the zonelist: a movable allocation tries ZONE_MOVABLE first, then falls back to ZONE_NORMAL
        int pfn = -1;
        if ((gfp & Gfp.Movable) != 0 && _movable is not null)
        {
            lock (_movable.Lock)
                pfn = _movable.RemoveSmallest(order);
        }
        if (pfn < 0)
        {
            lock (_normal.Lock)
                pfn = _normal.RemoveSmallest(order);
        }
        if (pfn < 0)
            return null;
        PrepNewPages(pfn, order, gfp);
        if (order > 0)
            PrepCompoundPage(pfn, order, dtor);
        return new Folio(new Page(this, pfn));
    }

    /// <summary>
    /// alloc_gigantic_folio(): a compound folio larger than the buddy allocator's largest block (a 1 GiB hugetlb
    /// page), from a naturally aligned range of ZONE_NORMAL whose frames are all free. The search runs from the
    /// top, as the boot-time memblock allocation of <c>hugepagesz=1G hugepages=N</c> does; null if no range is free
    /// (alloc_contig_pages() would migrate movable pages out of the way; the pools here are built at boot).
    /// </summary>
    [MmSim.Contracts.FreshPage]
    internal Folio? AllocGiganticFolio(int order, CompoundDtor dtor)
    {
        if (order <= MaxAllocOrder || order >= 31)
            throw new MmException(Errno.EINVAL, $"order {order} is not a gigantic order (above {MaxAllocOrder})");
        long nr = 1L << order;
        int pfn = -1;
        lock (_normal.Lock)
        {
            for (long start = (MovableStart - nr) & ~(nr - 1); start >= 0; start -= nr)
            {
                if (_normal.TryRemoveFreeRange((int)start, order))
                {
                    pfn = (int)start;
                    break;
                }
            }
        }
        if (pfn < 0)
            return null;
        PrepNewPages(pfn, order, Gfp.None);
        PrepCompoundPage(pfn, order, dtor);
        return new Folio(new Page(this, pfn));
    }

    /// <summary>
    /// compaction_alloc(): the highest free page of the zone of <paramref name="pfn"/> that lies above it, as a
    /// folio with refcount 1; null once the free scanner has met the migration scanner.
    /// </summary>
    internal Folio? AllocHighestAbove(int pfn)
    {
        var zone = ZoneOf(pfn);
        int target;
        lock (zone.Lock)
            target = zone.RemoveHighestAbove(pfn);
        if (target < 0)
            return null;
        PrepNewPages(target, 0, Gfp.None);
        return new Folio(new Page(this, target));
    }

    /// <summary>
    /// The checks of free_pages_prepare() / free_tail_pages_check() for the folio's last reference, run
    /// before the reference is dropped so that a bad page is refused without changing any state.
    /// </summary>
    internal void CheckFreeable(Folio folio)
    {
        int head = folio.Head.Index;
        MmBug.On(head == ZeroPage.Index, folio.Head, "freeing the shared zero page");
        string? reason = Map.MapCount[head] != -1 ? "nonzero mapcount"
            : Map.Mapping[head] != 0 && !new PageMapping(Map.Mapping[head]).HasFlags ? "non-NULL mapping"
            : (Map.Flags[head] & PageFlagChecks.AtFree & ~PageFlagBit.Lru.Mask()) != 0 ? "PAGE_FLAGS_CHECK_AT_FREE flag set"
            : null;
        if (reason is null && folio.IsLarge)
        {
            if (folio.EntireMapcount != 0)
                reason = "nonzero compound_mapcount";
            else if (folio.Pincount != 0)
                reason = "nonzero compound_pincount";
            else if (!folio.IsHugetlb && folio.Order >= 2)
                reason = LargeMapcount.BadReason(Map, head);
            for (int i = 1, nr = folio.NrPages; reason is null && i < nr; i++)
            {
                int tail = head + i;
                if (Map.CompoundHead[tail] != (((uint)head << 1) | 1))
                    reason = "compound_head not consistent";
                else if (Map.Mapping[tail] != Memmap.TailMapping)
                    reason = "corrupted mapping in tail page";
                else if (Map.MapCount[tail] != -1)
                    reason = "nonzero mapcount";
                else if ((Map.Flags[tail] & PageFlagChecks.AtFree) != 0)
                    reason = "PAGE_FLAGS_CHECK_AT_FREE flag set";
            }
        }
        if (reason is not null)
            throw MmBug.Bug(folio.Head, $"bad page: {reason}");
    }

    /// <summary>
    /// free_pages_prepare() + __free_one_page() for a folio whose refcount just reached zero: the
    /// mapping's flag bits and the PREP mask (PG_anon_exclusive among them) are cleared on every page,
    /// the compound page is torn down, and the block goes back to the buddy allocator. A folio still on
    /// the LRU leaves it first, as __folio_put() does.
    /// </summary>
    internal void FreeFolio(Folio folio)
    {
        if (folio.IsHugetlb && HugetlbFree is { } hugetlbFree)
        {
            hugetlbFree(folio); // destroy_large_folio(): the hugetlb dtor returns it to its pool
            return;
        }
        int head = folio.Head.Index;
        int order = folio.Order;
        Lru.Remove(folio); // __page_cache_release()
        for (int i = 1; i < 1 << order; i++)
        {
            int tail = head + i;
            Map.Mapping[tail] = 0;
            Map.CompoundHead[tail] = 0;
            Map.Flags[tail] &= ~PageFlagChecks.AtPrep;
            Map.Index[tail] = 0;
            Map.Private[tail] = 0;
            Map.LruNext[tail] = 0;
            Map.LruPrev[tail] = 0;
        }
        if (new PageMapping(Map.Mapping[head]).HasFlags)
            Map.Mapping[head] = 0;
        Map.Flags[head] &= ~PageFlagChecks.AtPrep;
        Map.Index[head] = 0;
        Map.Private[head] = 0;
        if (IsZoneDevice(head))
        {
            // free_zone_device_folio(): pgmap->ops->page_free() hands the page back to the driver
            lock (_deviceFree)
                _deviceFree.Push(head);
            return;
        }
        var zone = ZoneOf(head);
        lock (zone.Lock)
            zone.FreeOne(head, order);
    }

    /// <summary>The folio flags each new folio inherits from the head in __split_huge_page_tail().</summary>
    private static readonly ulong SplitInherited =
        PageFlagBit.Referenced.Mask() | PageFlagBit.SwapBacked.Mask() | PageFlagBit.SwapCache.Mask() |
        PageFlagBit.Mlocked.Mask() | PageFlagBit.Uptodate.Mask() | PageFlagBit.Active.Mask() |
        PageFlagBit.Workingset.Mask() | PageFlagBit.Locked.Mask() | PageFlagBit.Unevictable.Mask() |
        PageFlagBit.Dirty.Mask();

    /// <summary>
    /// __split_folio_to_order(..., 0): the compound page of a frozen, unmapped large folio falls apart into
    /// order-0 folios. Each inherits the head's mapping, its index plus its offset and the folio flags; per-page
    /// flags (PG_anon_exclusive, PG_hwpoison) stay where they are; page[1] loses the compound fields. The head
    /// keeps its references; every other new folio starts with one, which the caller drops after remapping.
    /// </summary>
    internal void SplitCompound(Folio folio)
    {
        int head = folio.Head.Index;
        int nr = folio.NrPages;
        MmBug.On(folio.EntireMapcount != 0 || folio.Pincount != 0, folio.Head, "splitting a folio that is still mapped by a PMD or pinned");
        ulong inherited = Map.Flags[head] & SplitInherited;
        for (int i = 1; i < nr; i++)
        {
            int tail = head + i;
            Map.CompoundHead[tail] = 0;
            Map.Mapping[tail] = Map.Mapping[head];
            Map.Index[tail] = Map.Index[head] + (ulong)i;
            Map.Flags[tail] |= inherited;
            Map.LruNext[tail] = 0;
            Map.LruPrev[tail] = 0;
            Map.RefCount[tail] = 1;
        }
        if (nr >= 4)
            Map.Private[head + 2] = 0; // _mm_ids: no mapping is left to charge (the split folio is unmapped)
        Map.Flags[head + 1] &= ~PageFlagBit.HasHwPoisoned.Mask();
        Map.Flags[head] &= ~PageFlagBit.Head.Mask();
    }

    /// <summary>The frame's bytes, given a slot on first write (filled with its byte if it was same-filled).</summary>
    internal Span<byte> WritableContents(int pfn)
    {
        while (true)
        {
            int slot = Volatile.Read(ref Map.Contents[pfn]);
            if (slot > 0)
                return Map.Store.Span(slot);
            int fresh = Map.Store.Allocate();
            if (slot < 0)
                Map.Store.Span(fresh).Fill(FillByte(slot));
            if (Interlocked.CompareExchange(ref Map.Contents[pfn], fresh, slot) == slot)
                return Map.Store.Span(fresh);
            Map.Store.Free(fresh); // another writer got there first
        }
    }

    /// <summary>The frame's bytes if it was ever written, else an empty span (it reads as zeros).</summary>
    internal ReadOnlySpan<byte> Contents(int pfn)
    {
        int slot = Volatile.Read(ref Map.Contents[pfn]);
        return slot > 0 ? Map.Store.Span(slot) : slot < 0 ? PageContentStore.SameFilled(FillByte(slot)) : default;
    }

    /// <summary>Whether every byte of the frame is one value without a slot behind it (zeros, or same-filled), and which.</summary>
    internal bool TryGetFillByte(int pfn, out byte value)
    {
        int slot = Volatile.Read(ref Map.Contents[pfn]);
        value = slot < 0 ? FillByte(slot) : (byte)0;
        return slot <= 0;
    }

    /// <summary>
    /// A whole-page write of one byte value to a frame without a slot: kept as the value alone, as zram and zswap
    /// keep same-filled pages, so a gigabyte filled by memset() costs no host memory. False if the frame has a
    /// slot: that one stays (a concurrent writer may hold its span), and the caller writes into it.
    /// </summary>
    internal bool TryFillContents(int pfn, byte value)
    {
        int slot = Volatile.Read(ref Map.Contents[pfn]);
        while (slot <= 0)
        {
            int observed = Interlocked.CompareExchange(ref Map.Contents[pfn], -value, slot);
            if (observed == slot)
                return true;
            slot = observed;
        }
        return false;
    }

    /// <summary>Makes the frame read as zeros (clear_page) by giving its slot back.</summary>
    internal void ClearContents(int pfn)
    {
        int slot = Interlocked.Exchange(ref Map.Contents[pfn], 0);
        if (slot > 0)
            Map.Store.Free(slot);
    }

    /// <summary>A same-filled frame's byte: <see cref="Memmap.Contents"/> holds it negated.</summary>
    private static byte FillByte(int slot) => (byte)-slot;

    /// <summary>memblock_free_all(): hands a zone's boot memory to its buddy allocator in maximal aligned blocks.</summary>
    private static void FreeBootMemory(BuddyAllocator zone, int start, int end)
    {
        int pfn = start;
        lock (zone.Lock)
        {
            while (pfn < end)
            {
                int order = MaxAllocOrder;
                while (order > 0 && ((pfn & ((1 << order) - 1)) != 0 || pfn + (1 << order) > end))
                    order--;
                zone.FreeOne(pfn, order);
                pfn += 1 << order;
            }
        }
    }

    /// <summary>check_new_pages() + post_alloc_hook(): every page must be clean; the head gets refcount 1.</summary>
    private void PrepNewPages(int pfn, int order, Gfp gfp)
    {
        for (int i = 0; i < 1 << order; i++)
        {
            string? reason = PageFlagChecks.BadReason(Map, pfn + i, PageFlagChecks.AtPrep, refcountChecked: true);
            MmBug.On(reason is not null, new Page(this, pfn + i), $"bad page at allocation: {reason}");
            if ((gfp & Gfp.Zero) != 0)
                ClearContents(pfn + i);
        }
        Map.RefCount[pfn] = 1;
    }

    /// <summary>prep_compound_page(): PG_head, tails pointing at the head, order and dtor on page[1].</summary>
    private void PrepCompoundPage(int head, int order, CompoundDtor dtor)
    {
        Map.Flags[head] |= PageFlagBit.Head.Mask();
        for (int i = 1; i < 1 << order; i++)
        {
            Map.CompoundHead[head + i] = ((uint)head << 1) | 1;
            Map.Mapping[head + i] = Memmap.TailMapping;
        }
        Map.Index[head + 1] = (uint)order | ((ulong)dtor << 8);
        Map.LruNext[head + 1] = -1; // compound_mapcount
        Map.LruPrev[head + 1] = 0;  // compound_pincount
        if (order >= 2)
        {
            Map.LruNext[head + 2] = 0; // _large_mapcount, PTE mappings only
            LargeMapcount.Init(Map, head);
        }
    }

    private static void CheckOrder(int order)
    {
        if (order < 0 || order > MaxAllocOrder)
            throw new MmException(Errno.EINVAL, $"order {order} is outside 0 .. {MaxAllocOrder} (MAX_ORDER - 1)");
    }
}
