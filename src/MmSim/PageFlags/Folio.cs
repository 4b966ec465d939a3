using System;
using System.Threading;
using MmSim.Contracts;
using MmSim.Diagnostics;
using MmSim.Physical;

namespace MmSim.PageFlags;

/// <summary>
/// A handle to a folio: a small page, or the head of a compound page and its tails. Folio-wide state
/// (refcount, mapping, pincount, entire mapcount, PF_HEAD / PF_NO_TAIL flags) lives on the head and,
/// for large folios, on page[1], as in Linux 6.1.
/// </summary>
public readonly struct Folio : IEquatable<Folio>
{
    internal Folio(Page head)
    {
        Head = head;
    }

    /// <summary>&amp;folio-&gt;page: the head page (or the small page).</summary>
    public Page Head { get; }

    public PhysicalMemory Memory => Head.Memory;

    private Memmap Map => Head.Memory.Map;

    private int HeadIndex => Head.Index;

    /// <summary>folio_test_large(): more than one page.</summary>
    public bool IsLarge => Head.IsHead;

    /// <summary>folio_order().</summary>
    public int Order => IsLarge ? (int)(Map.Index[HeadIndex + 1] & 0xff) : 0;

    /// <summary>folio_nr_pages().</summary>
    public int NrPages => 1 << Order;

    /// <summary>The compound destructor kind of a large folio (compound_dtor on page[1]).</summary>
    public CompoundDtor? Dtor => IsLarge ? (CompoundDtor)((Map.Index[HeadIndex + 1] >> 8) & 0xff) : null;

    /// <summary>folio_test_hugetlb().</summary>
    [HugetlbPredicate]
    public bool IsHugetlb => Dtor == CompoundDtor.Hugetlb;

    /// <summary>folio_test_transhuge() for a THP (TRANSHUGE_PAGE_DTOR).</summary>
    public bool IsTransHuge => Dtor == CompoundDtor.TransHuge;

    /// <summary>folio_page(folio, n).</summary>
    public Page Page(int n)
    {
        if ((uint)n >= (uint)NrPages)
            throw new ArgumentOutOfRangeException(nameof(n), $"page {n} of a folio of {NrPages} pages");
        return new Page(Memory, HeadIndex + n);
    }

    /// <summary>folio_ref_count().</summary>
    public int RefCount => Volatile.Read(ref Map.RefCount[HeadIndex]);

    /// <summary>folio-&gt;mapping.</summary>
    public PageMapping Mapping => new(Volatile.Read(ref Map.Mapping[HeadIndex]));

    /// <summary>folio_test_anon().</summary>
    [AnonPredicate]
    public bool IsAnon => Mapping.IsAnon;

    /// <summary>folio_test_ksm().</summary>
    [KsmPredicate]
    public bool IsKsm => Mapping.IsKsm;

    /// <summary>folio_index(): folio-&gt;index.</summary>
    public ulong Index => Map.Index[HeadIndex];

    /// <summary>folio_get_private() / page_private() of the head.</summary>
    public ulong Private => Map.Private[HeadIndex];

    /// <summary>compound_mapcount() (folio_entire_mapcount): PMD mappings of the whole folio; 0 for small folios.</summary>
    public int EntireMapcount => IsLarge ? Volatile.Read(ref Map.LruNext[HeadIndex + 1]) + 1 : 0;

    /// <summary>compound_pincount() of a large folio: the exact number of FOLL_PIN pins; 0 for small folios.</summary>
    public int Pincount => IsLarge ? Volatile.Read(ref Map.LruPrev[HeadIndex + 1]) : 0;

    /// <summary>
    /// folio_maybe_dma_pinned(): a large folio is pinned if its pincount is non-zero (exact); a small
    /// folio if its refcount reaches GUP_PIN_COUNTING_BIAS (false positives accepted, never false negatives).
    /// </summary>
    [MaybePinnedPredicate]
    public bool MaybeDmaPinned => IsLarge ? Pincount > 0 : (uint)RefCount >= Gup.PinCounting.Bias;

    /// <summary>folio_test_swapcache(): PG_swapbacked and PG_swapcache (which is PG_owner_priv_1).</summary>
    public bool IsSwapCache
    {
        get
        {
            ulong flags = Map.Flags[HeadIndex];
            return (flags & PageFlagBit.SwapBacked.Mask()) != 0 && (flags & PageFlagBit.SwapCache.Mask()) != 0;
        }
    }

    /// <summary>folio_test_&lt;flag&gt;() for a flag that the folio's head holds.</summary>
    public bool Test(PageFlag flag) => Head.Test(flag);

    /// <summary>folio_set_&lt;flag&gt;().</summary>
    public void Set(PageFlag flag) => Head.Set(flag);

    /// <summary>folio_clear_&lt;flag&gt;().</summary>
    public void Clear(PageFlag flag) => Head.Clear(flag);

    /// <summary>Sets folio-&gt;mapping (for example __page_set_anon_rmap with PAGE_MAPPING_ANON).</summary>
    public void SetMapping(PageMapping mapping)
    {
        MmBug.On(RefCount <= 0, Head, "setting ->mapping of a free folio");
        Volatile.Write(ref Map.Mapping[HeadIndex], mapping.Raw);
    }

    /// <summary>Sets folio-&gt;index (the page offset in the anon_vma or file).</summary>
    public void SetIndex(ulong index)
    {
        MmBug.On(RefCount <= 0, Head, "setting ->index of a free folio");
        Map.Index[HeadIndex] = index;
    }

    /// <summary>folio_set_private() / set_page_private() of the head (the swap entry of a swap-cache folio).</summary>
    public void SetPrivate(ulong value)
    {
        MmBug.On(RefCount <= 0, Head, "setting page_private of a free folio");
        Map.Private[HeadIndex] = value;
    }

    /// <summary>folio_get(): takes a reference. The folio must already be referenced.</summary>
    [GetsReference]
    public void Get()
    {
        int old = Interlocked.Increment(ref Map.RefCount[HeadIndex]) - 1;
        if (old <= 0)
        {
            Interlocked.Decrement(ref Map.RefCount[HeadIndex]);
            throw MmBug.Bug(Head, "folio_get on a folio with refcount 0 (use after free)");
        }
    }

    /// <summary>folio_ref_add(): adds <paramref name="count"/> references (GUP pins add GUP_PIN_COUNTING_BIAS).</summary>
    public void RefAdd(int count)
    {
        int old = Interlocked.Add(ref Map.RefCount[HeadIndex], count) - count;
        if (old <= 0)
        {
            Interlocked.Add(ref Map.RefCount[HeadIndex], -count);
            throw MmBug.Bug(Head, "folio_ref_add on a folio with refcount 0 (use after free)");
        }
    }

    /// <summary>
    /// folio_ref_try_add_rcu(): adds references unless the folio is already free (GUP-fast, which holds no
    /// lock that keeps the page from being freed under it).
    /// </summary>
    public bool TryRefAdd(int count)
    {
        ref int refcount = ref Map.RefCount[HeadIndex];
        while (true)
        {
            int old = Volatile.Read(ref refcount);
            if (old <= 0)
                return false;
            if (Interlocked.CompareExchange(ref refcount, old + count, old) == old)
                return true;
        }
    }

    /// <summary>folio_put(): drops a reference; the last one frees the folio through free_pages_prepare.</summary>
    [PutsReference]
    public void Put() => RefSub(1);

    /// <summary>
    /// folio_ref_sub_and_test() + __folio_put(): drops <paramref name="count"/> references; if that was the
    /// last, the free-time checks run first (bad_page), then the folio goes back to the buddy allocator.
    /// Dropping more references than exist is a double free, refused without changing anything.
    /// </summary>
    public void RefSub(int count)
    {
        ref int refcount = ref Map.RefCount[HeadIndex];
        while (true)
        {
            int old = Volatile.Read(ref refcount);
            MmBug.On(old == 0, Head, "put on a folio with refcount 0 (double free)");
            MmBug.On(old < count, Head, $"dropping {count} references of a folio that has {old}");
            if (old == count)
            {
                Memory.CheckFreeable(this);
                if (Interlocked.CompareExchange(ref refcount, 0, old) != old)
                    continue;
                Memory.FreeFolio(this);
                return;
            }
            if (Interlocked.CompareExchange(ref refcount, old - count, old) == old)
                return;
        }
    }

    /// <summary>folio_trylock(): takes PG_locked if it is free.</summary>
    public bool TryLock() => !Head.TestAndSet(PG.Locked);

    /// <summary>folio_lock(): waits for PG_locked.</summary>
    public void Lock()
    {
        var wait = new SpinWait();
        while (!TryLock())
            wait.SpinOnce();
    }

    /// <summary>folio_unlock().</summary>
    public void Unlock()
    {
        MmBug.On(!Head.TestAndClear(PG.Locked), Head, "folio_unlock of a folio that is not locked");
    }

    /// <summary>Whether PG_locked is held.</summary>
    public bool IsLocked => Head.Test(PG.Locked);

    /// <summary>hugetlb_add_file_rmap() / hugetlb_remove_rmap(): a hugetlb folio's PMD mappings, which carry no mm ids.</summary>
    internal void AddHugetlbEntireMapcount(int delta)
    {
        MmBug.On(!IsHugetlb, Head, "hugetlb rmap on a folio that is not hugetlb");
        Interlocked.Add(ref Map.LruNext[HeadIndex + 1], delta);
    }

    /// <summary>folio_add_rmap_pmd() / folio_remove_rmap_pmd(): a THP's PMD mappings, charged to the mm <paramref name="mmId"/>.</summary>
    internal void AddEntireMapcount(int delta, uint mmId)
    {
        if (delta > 0)
            LargeMapcount.Add(this, delta, mmId, entire: true);
        else
            LargeMapcount.Sub(this, -delta, mmId, entire: true);
    }

    /// <summary>
    /// The PTE mappings of all the folio's pages together, kept as the kernel keeps _large_mapcount (here in the
    /// second tail page) so that folio_large_mapcount() costs one read instead of a walk over 512 pages.
    /// </summary>
    internal int PteMapcount => Order >= 2 ? Volatile.Read(ref Map.LruNext[HeadIndex + 2]) : SumPteMapcounts();

    /// <summary>folio_copy(): the contents of every page of <paramref name="source"/>, a folio of the same order (copy_user_large_folio).</summary>
    public void CopyContentsFrom(Folio source)
    {
        MmBug.On(source.Order != Order, Head, $"copying a folio of order {source.Order} into one of order {Order}");
        for (int i = 0, nr = NrPages; i < nr; i++)
            Page(i).CopyContentsFrom(source.Page(i));
    }

    private int SumPteMapcounts()
    {
        int total = 0;
        for (int i = 0, nr = NrPages; i < nr; i++)
            total += Page(i).PteMapCount;
        return total;
    }

    /// <summary>Adjusts compound_pincount.</summary>
    internal void AddPincount(int delta) => Interlocked.Add(ref Map.LruPrev[HeadIndex + 1], delta);

    public bool Equals(Folio other) => Head.Equals(other.Head);

    public override bool Equals(object? obj) => obj is Folio other && Equals(other);

    public override int GetHashCode() => Head.GetHashCode();

    public static bool operator ==(Folio left, Folio right) => left.Equals(right);

    public static bool operator !=(Folio left, Folio right) => !left.Equals(right);

    public override string ToString() => $"folio pfn 0x{Head.Pfn:x} order {Order}";
}
