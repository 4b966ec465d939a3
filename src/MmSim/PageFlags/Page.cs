using System;
using System.Threading;
using MmSim.Contracts;
using MmSim.Diagnostics;
using MmSim.Physical;

namespace MmSim.PageFlags;

/// <summary>
/// A handle to one <c>struct page</c> (a 4 KiB frame) of a <see cref="PhysicalMemory"/>. Flag accessors
/// follow Linux 6.1 include/linux/page-flags.h: the compound policy of each flag decides which page of a
/// large folio holds the bit, and a policy violation is an always-on check.
/// </summary>
public readonly struct Page : IEquatable<Page>
{
    internal Page(PhysicalMemory memory, int pfn)
    {
        Memory = memory;
        Index = pfn;
    }

    /// <summary>The physical memory the frame belongs to.</summary>
    public PhysicalMemory Memory { get; }

    /// <summary>page_to_pfn().</summary>
    public long Pfn => Index;

    internal int Index { get; }

    private Memmap Map => Memory.Map;

    /// <summary>PageTail(): bit 0 of ->compound_head is set on tail pages.</summary>
    [TailPredicate]
    public bool IsTail => (Map.CompoundHead[Index] & 1) != 0;

    /// <summary>PageHead(): the first page of a large folio.</summary>
    [HeadPredicate]
    public bool IsHead => (Map.Flags[Index] & PageFlagBit.Head.Mask()) != 0;

    /// <summary>PageCompound(): a head or a tail.</summary>
    public bool IsCompound => IsHead || IsTail;

    /// <summary>compound_head(): the head of the compound page, or the page itself.</summary>
    public Page CompoundHead => IsTail ? new Page(Memory, (int)(Map.CompoundHead[Index] >> 1)) : this;

    /// <summary>page_folio(): the folio this page belongs to.</summary>
    public Folio Folio => new(CompoundHead);

    /// <summary>nth_page(page, n).</summary>
    public Page Nth(int n) => Memory.PfnToPage(Pfn + n);

    /// <summary>PageAnon(): the folio's ->mapping has PAGE_MAPPING_ANON set (KSM pages included).</summary>
    [AnonPredicate]
    public bool IsAnon => Folio.IsAnon;

    /// <summary>PageKsm(): ->mapping flags are PAGE_MAPPING_KSM.</summary>
    [KsmPredicate]
    public bool IsKsm => Folio.IsKsm;

    /// <summary>PageHuge(): the page belongs to a hugetlb folio.</summary>
    [HugetlbPredicate]
    public bool IsHugetlb => Folio.IsHugetlb;

    /// <summary>PageBuddy(): a free page heading a block in the buddy allocator.</summary>
    public bool IsBuddy => PageType.Is(Map, Index, PageType.Buddy);

    /// <summary>is_zero_pfn(): the shared zero page.</summary>
    [ZeroPagePredicate]
    public bool IsZeroPage => Index == Memory.ZeroPage.Index;

    /// <summary>page_count(): the folio's reference count.</summary>
    public int RefCount => Map.RefCount[CompoundHead.Index];

    /// <summary>page_mapcount(): PTE mappings of this subpage plus PMD mappings of its folio.</summary>
    public int MapCount
    {
        get
        {
            int count = PageType.HasType(Map, Index) ? 0 : Map.MapCount[Index] + 1;
            return IsCompound ? count + Folio.EntireMapcount : count;
        }
    }

    /// <summary>This subpage's own PTE mappings (_mapcount + 1), PMD mappings of the folio aside.</summary>
    internal int PteMapCount => PageType.HasType(Map, Index) ? 0 : Map.MapCount[Index] + 1;

    /// <summary>
    /// atomic_inc_and_test(&amp;page-&gt;_mapcount): the mm <paramref name="mmId"/> maps this page by one more PTE;
    /// true if it is the first mapping of the page.
    /// </summary>
    internal bool IncMapCount(uint mmId)
    {
        if (IsCompound)
            LargeMapcount.Add(Folio, 1, mmId, entire: false); // folio_add_return_large_mapcount()
        return Interlocked.Increment(ref Map.MapCount[Index]) == 0;
    }

    /// <summary>atomic_add_negative(-1, &amp;page-&gt;_mapcount): the mm <paramref name="mmId"/> drops a PTE mapping; true if it was the last.</summary>
    internal bool DecMapCount(uint mmId)
    {
        if (IsCompound)
            LargeMapcount.Sub(Folio, 1, mmId, entire: false); // folio_sub_return_large_mapcount()
        int now = Interlocked.Decrement(ref Map.MapCount[Index]);
        MmBug.On(now < -1, this, "mapcount underflow");
        return now == -1;
    }

    /// <summary>The raw flags word of this struct page (no policy applied): for dumps and tests only.</summary>
    public ulong RawFlags => Map.Flags[Index];

    /// <summary>Tests a flag through its policy (<c>Page&lt;Flag&gt;()</c>).</summary>
    public bool Test(PageFlag flag) => (Map.Flags[FlagHolder(flag, enforce: false)] & flag.Mask) != 0;

    /// <summary>Sets a flag through its policy (<c>SetPage&lt;Flag&gt;()</c>).</summary>
    public void Set(PageFlag flag) => Interlocked.Or(ref Map.Flags[FlagHolder(flag, enforce: true)], flag.Mask);

    /// <summary>Clears a flag through its policy (<c>ClearPage&lt;Flag&gt;()</c>).</summary>
    public void Clear(PageFlag flag) => Interlocked.And(ref Map.Flags[FlagHolder(flag, enforce: true)], ~flag.Mask);

    /// <summary>TestSetPage&lt;Flag&gt;(): sets the flag and returns its old value.</summary>
    public bool TestAndSet(PageFlag flag) =>
        (Interlocked.Or(ref Map.Flags[FlagHolder(flag, enforce: true)], flag.Mask) & flag.Mask) != 0;

    /// <summary>TestClearPage&lt;Flag&gt;(): clears the flag and returns its old value.</summary>
    public bool TestAndClear(PageFlag flag) =>
        (Interlocked.And(ref Map.Flags[FlagHolder(flag, enforce: true)], ~flag.Mask) & flag.Mask) != 0;

    /// <summary>
    /// PageAnonExclusive(): whether this anonymous (sub)page is exclusive to the one mapping that maps it.
    /// The bit is per subpage (PF_ANY); for hugetlb only the head carries it. Legal on KSM pages (always false).
    /// </summary>
    [AnonOnly]
    [ExclusivePredicate]
    public bool IsAnonExclusive
    {
        get
        {
            MmBug.On(!IsAnon, this, "PageAnonExclusive on a page that is not anonymous");
            MmBug.On(IsTail && IsHugetlb, this, "PageAnonExclusive on a hugetlb tail page"); // IsTail first: it is one read
            return (Map.Flags[Index] & PageFlagBit.AnonExclusive.Mask()) != 0;
        }
    }

    /// <summary>SetPageAnonExclusive(): anon only, never KSM, hugetlb head only.</summary>
    [AnonOnly]
    [SetsAnonExclusive]
    public void SetAnonExclusive()
    {
        CheckAnonExclusiveModify("SetPageAnonExclusive");
        Interlocked.Or(ref Map.Flags[Index], PageFlagBit.AnonExclusive.Mask());
    }

    /// <summary>
    /// ClearPageAnonExclusive(): anon only, never KSM, hugetlb head only. Legal only where the page cannot be
    /// pinned: inside the try-share / try-dup helpers and for device-private pages.
    /// </summary>
    [AnonOnly]
    [ClearsAnonExclusive]
    public void ClearAnonExclusive()
    {
        CheckAnonExclusiveModify("ClearPageAnonExclusive");
        Interlocked.And(ref Map.Flags[Index], ~PageFlagBit.AnonExclusive.Mask());
    }

    /// <summary>__ClearPageAnonExclusive(): the free path's clear (KSM allowed; the refcount is already zero).</summary>
    [AnonOnly]
    [ClearsAnonExclusive]
    [FreePath]
    public void ClearAnonExclusiveForFree()
    {
        MmBug.On(!IsAnon, this, "__ClearPageAnonExclusive on a page that is not anonymous");
        MmBug.On(IsTail && IsHugetlb, this, "__ClearPageAnonExclusive on a hugetlb tail page");
        MmBug.On(RefCount != 0, this, "__ClearPageAnonExclusive on a page that is still referenced");
        Map.Flags[Index] &= ~PageFlagBit.AnonExclusive.Mask();
    }

    /// <summary>Reads bytes of the frame (zeros if it was never written).</summary>
    public void ReadContents(int offset, Span<byte> destination)
    {
        CheckRange(offset, destination.Length);
        var bytes = Memory.Contents(Index);
        if (bytes.IsEmpty)
            destination.Clear();
        else
            bytes.Slice(offset, destination.Length).CopyTo(destination);
    }

    /// <summary>Writes bytes into the frame, allocating its contents on first write (a whole page of one byte needs none).</summary>
    public void WriteContents(int offset, ReadOnlySpan<byte> source)
    {
        CheckRange(offset, source.Length);
        MmBug.On(IsZeroPage, this, "write to the shared zero page");
        if (source.Length == PhysicalMemory.PageSize && source.IndexOfAnyExcept(source[0]) < 0 && Memory.TryFillContents(Index, source[0]))
            return;
        source.CopyTo(Memory.WritableContents(Index).Slice(offset));
    }

    /// <summary>copy_user_highpage(): copies the whole frame from <paramref name="source"/>.</summary>
    public void CopyContentsFrom(Page source)
    {
        MmBug.On(IsZeroPage, this, "copy into the shared zero page");
        if (source.Memory.TryGetFillByte(source.Index, out byte value))
        {
            Memory.ClearContents(Index);
            if (value != 0 && !Memory.TryFillContents(Index, value))
                Memory.WritableContents(Index).Fill(value);
            return;
        }
        source.Memory.Contents(source.Index).CopyTo(Memory.WritableContents(Index));
    }

    public bool Equals(Page other) => ReferenceEquals(Memory, other.Memory) && Index == other.Index;

    public override bool Equals(object? obj) => obj is Page other && Equals(other);

    public override int GetHashCode() => Index;

    public static bool operator ==(Page left, Page right) => left.Equals(right);

    public static bool operator !=(Page left, Page right) => !left.Equals(right);

    public override string ToString() => $"page pfn 0x{Index:x}";

    /// <summary>The PF_* policy: which struct page holds <paramref name="flag"/> for an access through this page.</summary>
    private int FlagHolder(PageFlag flag, bool enforce)
    {
        if (flag.Domain == FlagDomain.NotAnon)
            MmBug.On(IsAnon, this, $"{flag.KernelName} used on an anonymous page, where its bit is PG_anon_exclusive");
        switch (flag.Policy)
        {
            case FlagPolicy.Any:
                return Index;
            case FlagPolicy.Head:
                return CompoundHead.Index;
            case FlagPolicy.OnlyHead:
                MmBug.On(IsTail, this, $"PF_ONLY_HEAD flag {flag.KernelName} accessed through a tail page");
                return Index;
            case FlagPolicy.NoTail:
                MmBug.On(enforce && IsTail, this, $"PF_NO_TAIL flag {flag.KernelName} modified through a tail page");
                return CompoundHead.Index;
            case FlagPolicy.NoCompound:
                MmBug.On(enforce && IsCompound, this, $"PF_NO_COMPOUND flag {flag.KernelName} modified on a compound page");
                return Index;
            case FlagPolicy.Second:
                MmBug.On(!IsHead, this, $"PF_SECOND flag {flag.KernelName} accessed through a page that is not the head of a large folio");
                return Index + 1;
            default:
                throw new ArgumentOutOfRangeException(nameof(flag), flag.Policy, "unknown flag policy");
        }
    }

    private void CheckAnonExclusiveModify(string accessor)
    {
        var mapping = Folio.Mapping;
        MmBug.On(!mapping.IsAnon, this, $"{accessor} on a page that is not anonymous");
        MmBug.On(mapping.IsKsm, this, $"{accessor} on a KSM page, which is never exclusive");
        MmBug.On(IsTail && IsHugetlb, this, $"{accessor} on a hugetlb tail page");
    }

    private static void CheckRange(int offset, int length)
    {
        if (offset < 0 || length < 0 || offset + length > PhysicalMemory.PageSize)
            throw new ArgumentOutOfRangeException(nameof(offset), $"bytes [{offset}, {offset + length}) are outside a {PhysicalMemory.PageSize}-byte page");
    }
}
