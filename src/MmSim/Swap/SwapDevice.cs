using System;
using System.Collections.Generic;
using MmSim.Diagnostics;
using MmSim.PageFlags;
using MmSim.Physical;

namespace MmSim.Swap;

/// <summary>
/// A swap device and its swap cache (mm/swapfile.c, mm/swap_state.c). swap_map[offset] counts the swap
/// entries that name a slot, with SWAP_HAS_CACHE while a folio for the slot sits in the swap cache;
/// slot 0 is the header and never used. A folio in the swap cache has PG_swapcache, its slot in
/// page_private, and one reference held by the cache.
/// </summary>
internal sealed class SwapDevice
{
    /// <summary>SWAP_HAS_CACHE.</summary>
    public const byte HasCache = 0x40;

    /// <summary>SWAP_MAP_MAX: the most entries one slot counts without continuation pages.</summary>
    public const byte MapMax = 0x3e;

    private readonly PhysicalMemory _memory;
    private readonly byte[] _map;
    private readonly byte[]?[] _slots;
    private readonly Dictionary<long, Folio> _cache = new();
    private int _cursor = 1;

    public SwapDevice(PhysicalMemory memory, long bytes)
    {
        _memory = memory;
        long slots = bytes / PhysicalMemory.PageSize;
        if (slots < 2 || slots > int.MaxValue)
            throw new MmException(Errno.EINVAL, $"a swap device of {bytes} bytes holds no usable slot");
        _map = new byte[slots];
        _slots = new byte[]?[slots];
    }

    /// <summary>si-&gt;lock.</summary>
    public object Lock { get; } = new();

    /// <summary>Slots in use (inuse_pages).</summary>
    public long UsedSlots { get; private set; }

    public int Slots => _map.Length;

    /// <summary>The swap_map count of a slot, SWAP_HAS_CACHE aside.</summary>
    public int Count(long offset)
    {
        lock (Lock)
            return _map[offset] & ~HasCache;
    }

    public bool InUse(long offset)
    {
        lock (Lock)
            return _map[offset] != 0;
    }

    /// <summary>
    /// folio_alloc_swap() + add_to_swap_cache(): free slots now caching <paramref name="folio"/>, one per page;
    /// returns the first, or -1 when swap is full. A large folio takes a whole free cluster of naturally
    /// aligned slots (THP swap-out, SWAPFILE_CLUSTER), so that slot <c>first + i</c> holds page <c>i</c>;
    /// the cache holds one reference per page.
    /// </summary>
    public long AddToSwapCache(Folio folio)
    {
        if (_memory.FailPageAlloc.ShouldFail())
        {
            return -1; // get_swap_pages() found no slot
        }
        int nr = folio.NrPages;
        lock (Lock)
        {
            long offset = FindFreeSlots(nr);
            if (offset < 0)
                return -1;
            for (int i = 0; i < nr; i++)
            {
                _map[offset + i] = HasCache;
                _cache.Add(offset + i, folio);
            }
            UsedSlots += nr;
            folio.RefAdd(nr);
            folio.Set(PG.SwapBacked);
            folio.Head.Set(PG.OwnerPriv1); // PG_swapcache
            folio.SetPrivate((ulong)offset); // folio->swap
            return offset;
        }
    }

    /// <summary>scan_swap_map_slots() / the cluster allocator: the first of <paramref name="nr"/> free slots, aligned to <paramref name="nr"/>; -1 if none.</summary>
    private long FindFreeSlots(int nr)
    {
        for (int tries = 0; tries <= _map.Length / nr; tries++)
        {
            long offset = _cursor / nr * nr;
            _cursor = offset + nr < _map.Length ? (int)(offset + nr) : 1;
            if (offset != 0 && offset + nr <= _map.Length && IsFree(offset, nr)) // the header's cluster is never free
                return offset;
        }
        return -1;
    }

    private bool IsFree(long offset, int nr)
    {
        for (long i = offset; i < offset + nr; i++)
        {
            if (_map[i] != 0)
                return false;
        }
        return true;
    }

    /// <summary>folio_file_page() for the swap cache: the page of <paramref name="folio"/> that caches slot <paramref name="offset"/>.</summary>
    public static Page PageOf(Folio folio, long offset) => folio.Page((int)(offset - (long)folio.Private));

    /// <summary>folio_swapped(): does an entry still name one of the folio's slots?</summary>
    public bool FolioSwapped(Folio folio)
    {
        long first = (long)folio.Private;
        lock (Lock)
        {
            for (long offset = first; offset < first + folio.NrPages; offset++)
            {
                if ((_map[offset] & ~HasCache) != 0)
                    return true;
            }
            return false;
        }
    }

    /// <summary>swap_cache_get_folio() / lookup_swap_cache(): the cached folio with a reference for the caller.</summary>
    public Folio? LookupSwapCache(long offset)
    {
        lock (Lock)
        {
            if (!_cache.TryGetValue(offset, out var folio))
                return null;
            folio.Get();
            return folio;
        }
    }

    /// <summary>
    /// read_swap_cache_async() + swap_readpage(): <paramref name="fresh"/> takes the slot's bytes into the swap
    /// cache, unless another fault cached the slot first; returns the cached folio with a reference.
    /// </summary>
    public Folio ReadIntoSwapCache(long offset, Folio fresh)
    {
        lock (Lock)
        {
            MmBug.On((_map[offset] & ~HasCache) == 0, $"swap-in of free slot {offset}");
            if (_cache.TryGetValue(offset, out var cached))
            {
                cached.Get();
                return cached;
            }
            _map[offset] |= HasCache;
            fresh.RefAdd(1);
            fresh.Set(PG.SwapBacked);
            fresh.Head.Set(PG.OwnerPriv1);
            fresh.SetPrivate((ulong)offset);
            fresh.Head.WriteContents(0, _slots[offset] ?? new byte[PhysicalMemory.PageSize]);
            fresh.Head.Set(PG.Uptodate);
            _cache.Add(offset, fresh);
            return fresh;
        }
    }

    /// <summary>swap_writepage(): the folio's bytes go to its slot.</summary>
    public void WritePage(long offset, Page page)
    {
        var bytes = new byte[PhysicalMemory.PageSize];
        page.ReadContents(0, bytes);
        lock (Lock)
            _slots[offset] = bytes;
    }

    /// <summary>swap_duplicate(): one more entry names the slot; false at SWAP_MAP_MAX.</summary>
    public bool Duplicate(long offset)
    {
        lock (Lock)
        {
            MmBug.On(_map[offset] == 0, $"swap_duplicate of free slot {offset}");
            if ((_map[offset] & ~HasCache) >= MapMax)
                return false;
            _map[offset]++;
            return true;
        }
    }

    /// <summary>swap_free(): one entry less; a slot with no entries and no cached folio is free again.</summary>
    public void Free(long offset)
    {
        lock (Lock)
        {
            MmBug.On((_map[offset] & ~HasCache) == 0, $"swap_free of slot {offset} that no entry names");
            _map[offset]--;
            ReleaseIfUnused(offset);
        }
    }

    /// <summary>delete_from_swap_cache(): the folio leaves the cache, every slot of it, and the cache drops its references.</summary>
    public void DeleteFromSwapCache(Folio folio)
    {
        long first = (long)folio.Private;
        int nr = folio.NrPages;
        lock (Lock)
        {
            for (long offset = first; offset < first + nr; offset++)
            {
                MmBug.On(!_cache.Remove(offset), folio.Head, "delete_from_swap_cache of a folio that is not cached");
                _map[offset] &= unchecked((byte)~HasCache);
                ReleaseIfUnused(offset);
            }
        }
        folio.Head.Clear(PG.OwnerPriv1);
        folio.SetPrivate(0);
        folio.RefSub(nr);
    }

    /// <summary>
    /// folio_migrate_mapping() for a swap-cache folio: <paramref name="to"/>, of the same order, takes its slots
    /// and the cache's references (one per page); <paramref name="from"/>, locked and referenced by the
    /// migration, leaves the cache.
    /// </summary>
    public void MigrateCached(Folio from, Folio to)
    {
        long first = (long)from.Private;
        int nr = from.NrPages;
        MmBug.On(to.NrPages != nr, from.Head, "swap-cache migration to a folio of another order");
        lock (Lock)
        {
            for (long offset = first; offset < first + nr; offset++)
            {
                MmBug.On(!_cache.TryGetValue(offset, out var cached) || cached != from, from.Head, "migrating a folio that is not cached");
                _cache[offset] = to;
            }
        }
        to.RefAdd(nr);
        to.Head.Set(PG.OwnerPriv1);
        to.SetPrivate((ulong)first);
        from.Head.Clear(PG.OwnerPriv1);
        from.SetPrivate(0);
        from.RefSub(nr);
    }

    /// <summary>
    /// free_swap_cache() / try_to_free_swap(): a swap-cache folio that nothing maps and whose slot no entry
    /// names leaves the swap cache, so that the caller's put can free it. The kernel does this when the
    /// TLB batch drops a page and leaves other such pages to reclaim; the simulator does it on every
    /// last put, so that a machine whose processes exited and whose references were released holds no
    /// anonymous page and no swap slot (API.md).
    /// </summary>
    public void TryFreeSwapCache(Folio folio)
    {
        if (!folio.IsSwapCache || Rmap.FolioSharing.Mapped(folio) || !folio.TryRefAdd(1))
            return;
        if (folio.TryLock())
        {
            if (folio.IsSwapCache && !FolioSwapped(folio))
                DeleteFromSwapCache(folio);
            folio.Unlock();
        }
        folio.Put(); // our reference; the last one frees the folio, unlocked
    }

    /// <summary>The cached folio of a slot without a reference (for checks).</summary>
    public Folio? Peek(long offset)
    {
        lock (Lock)
            return _cache.TryGetValue(offset, out var folio) ? folio : null;
    }

    /// <summary>A copy of swap_map (for checks).</summary>
    public byte[] SnapshotMap()
    {
        lock (Lock)
            return (byte[])_map.Clone();
    }

    /// <summary>Every cached folio (for checks).</summary>
    public IReadOnlyList<(long Offset, Folio Folio)> Cached()
    {
        lock (Lock)
        {
            var list = new List<(long, Folio)>();
            foreach (var pair in _cache)
                list.Add((pair.Key, pair.Value));
            return list;
        }
    }

    private void ReleaseIfUnused(long offset)
    {
        if (_map[offset] != 0)
            return;
        _slots[offset] = null;
        UsedSlots--;
    }
}
