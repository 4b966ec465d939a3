using MmSim.Diagnostics;

namespace MmSim.Physical;

/// <summary>
/// The buddy allocator of one zone (mm/page_alloc.c): a free list per order from 0 to
/// <see cref="MaxOrder"/> - 1, blocks split on allocation (expand) and merged with their free buddy
/// on free (__free_one_page). Free blocks are PageBuddy with their order in page_private, linked
/// through page-&gt;lru. Callers hold <see cref="Lock"/> (zone-&gt;lock).
/// </summary>
internal sealed class BuddyAllocator
{
    /// <summary>MAX_ORDER of Linux 6.1: orders 0 to 10 (4 KiB to 4 MiB blocks).</summary>
    public const int MaxOrder = 11;

    private const int Nil = -1;

    private readonly Memmap _map;
    private readonly int _startPfn;
    private readonly int _endPfn;
    private readonly int[] _freeHead = new int[MaxOrder];
    private readonly long[] _nrFree = new long[MaxOrder];

    public BuddyAllocator(Memmap map, int startPfn, int endPfn)
    {
        _map = map;
        _startPfn = startPfn;
        _endPfn = endPfn;
        System.Array.Fill(_freeHead, Nil);
    }

    /// <summary>zone-&gt;lock.</summary>
    public object Lock { get; } = new();

    /// <summary>Free frames in all free lists.</summary>
    public long FreePages { get; private set; }

    /// <summary>free_area[order].nr_free.</summary>
    public long FreeBlocks(int order) => _nrFree[order];

    /// <summary>__rmqueue_smallest(): the smallest free block of at least <paramref name="order"/>, split down to it; -1 if none.</summary>
    public int RemoveSmallest(int order)
    {
        for (int current = order; current < MaxOrder; current++)
        {
            int pfn = _freeHead[current];
            if (pfn == Nil)
                continue;
            DeleteFromFreeList(pfn, current);
            Expand(pfn, order, current);
            FreePages -= 1L << order;
            return pfn;
        }
        return Nil;
    }

    /// <summary>
    /// isolate_freepages() for compaction's free scanner: takes the highest free page above
    /// <paramref name="above"/>, splitting its block and giving the rest back; -1 if no free page lies above.
    /// </summary>
    public int RemoveHighestAbove(int above)
    {
        int block = Nil, blockOrder = 0;
        for (int order = 0; order < MaxOrder; order++)
        {
            for (int pfn = _freeHead[order]; pfn != Nil; pfn = _map.LruNext[pfn])
            {
                if (block == Nil || pfn + (1 << order) > block + (1 << blockOrder))
                    (block, blockOrder) = (pfn, order);
            }
        }
        if (block == Nil || block + (1 << blockOrder) - 1 <= above)
            return Nil;
        DeleteFromFreeList(block, blockOrder);
        int top = block;
        for (int order = blockOrder - 1; order >= 0; order--)
        {
            AddToFreeList(top, order); // the lower half goes back; the upper half is split further
            top += 1 << order;
        }
        FreePages--;
        return top;
    }

    /// <summary>
    /// The isolation step of alloc_contig_range() for a range that is free already: takes the aligned range of
    /// 2^<paramref name="order"/> frames (beyond <see cref="MaxOrder"/>) off the free lists if every largest block
    /// of it is free; false, and nothing taken, otherwise.
    /// </summary>
    public bool TryRemoveFreeRange(int pfn, int order)
    {
        const int top = MaxOrder - 1;
        int end = pfn + (1 << order);
        for (int block = pfn; block < end; block += 1 << top)
        {
            if (!IsBuddy(block, top))
                return false;
        }
        for (int block = pfn; block < end; block += 1 << top)
            DeleteFromFreeList(block, top);
        FreePages -= 1L << order;
        return true;
    }

    /// <summary>__free_one_page(): returns a block and merges it with its free buddies.</summary>
    public void FreeOne(int pfn, int order)
    {
        MmBug.On((pfn & ((1 << order) - 1)) != 0, $"freeing pfn 0x{pfn:x} that is not aligned to its order {order}");
        FreePages += 1L << order;
        while (order < MaxOrder - 1)
        {
            int buddy = pfn ^ (1 << order);
            if (!IsBuddy(buddy, order))
                break;
            DeleteFromFreeList(buddy, order);
            pfn &= buddy;
            order++;
        }
        AddToFreeList(pfn, order);
    }

    /// <summary>page_is_buddy(): the buddy lies in the zone, is free and heads a block of the same order.</summary>
    private bool IsBuddy(int buddy, int order) =>
        buddy >= _startPfn && buddy + (1 << order) <= _endPfn &&
        PageType.Is(_map, buddy, PageType.Buddy) && (int)_map.Private[buddy] == order;

    /// <summary>expand(): puts the upper halves of a split block back on the lower free lists.</summary>
    private void Expand(int pfn, int low, int high)
    {
        while (high > low)
        {
            high--;
            AddToFreeList(pfn + (1 << high), high);
        }
    }

    private void AddToFreeList(int pfn, int order)
    {
        _map.Private[pfn] = (ulong)order;
        PageType.Set(_map, pfn, PageType.Buddy);
        int next = _freeHead[order];
        _map.LruNext[pfn] = next;
        _map.LruPrev[pfn] = Nil;
        if (next != Nil)
            _map.LruPrev[next] = pfn;
        _freeHead[order] = pfn;
        _nrFree[order]++;
    }

    private void DeleteFromFreeList(int pfn, int order)
    {
        int next = _map.LruNext[pfn];
        int prev = _map.LruPrev[pfn];
        if (prev == Nil)
            _freeHead[order] = next;
        else
            _map.LruNext[prev] = next;
        if (next != Nil)
            _map.LruPrev[next] = prev;
        _map.LruNext[pfn] = 0;
        _map.LruPrev[pfn] = 0;
        _map.Private[pfn] = 0;
        PageType.Clear(_map, pfn, PageType.Buddy);
        _nrFree[order]--;
    }
}
