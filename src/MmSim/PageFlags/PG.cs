using System.Collections.Generic;
using MmSim.Contracts;

namespace MmSim.PageFlags;

/// <summary>
/// The page flags with generic accessors (<see cref="Page.Test"/>, <see cref="Page.Set"/>,
/// <see cref="Page.Clear"/>, and the <see cref="Folio"/> equivalents), each with the policy of its
/// <c>PAGEFLAG()</c> line in Linux 6.1 include/linux/page-flags.h. PG_anon_exclusive, PG_swapcache
/// and PG_head have dedicated accessors with their own rules (<see cref="Page.IsAnonExclusive"/>,
/// <see cref="Folio.IsSwapCache"/>, <see cref="Page.IsHead"/>).
/// </summary>
public static class PG
{
    /// <summary>__PAGEFLAG(Locked, locked, PF_NO_TAIL).</summary>
    [PageFlagPolicy(FlagPolicy.NoTail)]
    public static readonly PageFlag Locked = new(PageFlagBit.Locked, FlagPolicy.NoTail, "PG_locked");
    /// <summary>PAGEFLAG(Waiters, waiters, PF_ONLY_HEAD).</summary>
    [PageFlagPolicy(FlagPolicy.OnlyHead)]
    public static readonly PageFlag Waiters = new(PageFlagBit.Waiters, FlagPolicy.OnlyHead, "PG_waiters");
    /// <summary>PAGEFLAG(Error, error, PF_NO_TAIL).</summary>
    [PageFlagPolicy(FlagPolicy.NoTail)]
    public static readonly PageFlag Error = new(PageFlagBit.Error, FlagPolicy.NoTail, "PG_error");
    /// <summary>PAGEFLAG(Referenced, referenced, PF_HEAD).</summary>
    [PageFlagPolicy(FlagPolicy.Head)]
    public static readonly PageFlag Referenced = new(PageFlagBit.Referenced, FlagPolicy.Head, "PG_referenced");
    /// <summary>PAGEFLAG(Dirty, dirty, PF_HEAD).</summary>
    [PageFlagPolicy(FlagPolicy.Head)]
    public static readonly PageFlag Dirty = new(PageFlagBit.Dirty, FlagPolicy.Head, "PG_dirty");
    /// <summary>PAGEFLAG(LRU, lru, PF_HEAD).</summary>
    [PageFlagPolicy(FlagPolicy.Head)]
    public static readonly PageFlag Lru = new(PageFlagBit.Lru, FlagPolicy.Head, "PG_lru");
    /// <summary>PAGEFLAG(Active, active, PF_HEAD).</summary>
    [PageFlagPolicy(FlagPolicy.Head)]
    public static readonly PageFlag Active = new(PageFlagBit.Active, FlagPolicy.Head, "PG_active");
    /// <summary>PAGEFLAG(Workingset, workingset, PF_HEAD).</summary>
    [PageFlagPolicy(FlagPolicy.Head)]
    public static readonly PageFlag Workingset = new(PageFlagBit.Workingset, FlagPolicy.Head, "PG_workingset");
    /// <summary>__PAGEFLAG(Slab, slab, PF_NO_TAIL).</summary>
    [PageFlagPolicy(FlagPolicy.NoTail)]
    public static readonly PageFlag Slab = new(PageFlagBit.Slab, FlagPolicy.NoTail, "PG_slab");
    /// <summary>PAGEFLAG(Checked, checked, PF_NO_COMPOUND): alias of PG_owner_priv_1, for file systems.</summary>
    [NotAnon]
    [PageFlagPolicy(FlagPolicy.NoCompound)]
    public static readonly PageFlag Checked = new(PageFlagBit.Checked, FlagPolicy.NoCompound, "PG_checked", FlagDomain.NotAnon);
    /// <summary>PAGEFLAG(Reserved, reserved, PF_NO_COMPOUND).</summary>
    [PageFlagPolicy(FlagPolicy.NoCompound)]
    public static readonly PageFlag Reserved = new(PageFlagBit.Reserved, FlagPolicy.NoCompound, "PG_reserved");
    /// <summary>PAGEFLAG(SwapBacked, swapbacked, PF_NO_TAIL).</summary>
    [PageFlagPolicy(FlagPolicy.NoTail)]
    public static readonly PageFlag SwapBacked = new(PageFlagBit.SwapBacked, FlagPolicy.NoTail, "PG_swapbacked");
    /// <summary>PAGEFLAG(Private, private, PF_ANY).</summary>
    [PageFlagPolicy(FlagPolicy.Any)]
    public static readonly PageFlag Private = new(PageFlagBit.Private, FlagPolicy.Any, "PG_private");
    /// <summary>PAGEFLAG(Private2, private_2, PF_ANY).</summary>
    [PageFlagPolicy(FlagPolicy.Any)]
    public static readonly PageFlag Private2 = new(PageFlagBit.Private2, FlagPolicy.Any, "PG_private_2");
    /// <summary>PAGEFLAG(OwnerPriv1, owner_priv_1, PF_ANY).</summary>
    [PageFlagPolicy(FlagPolicy.Any)]
    public static readonly PageFlag OwnerPriv1 = new(PageFlagBit.OwnerPriv1, FlagPolicy.Any, "PG_owner_priv_1");
    /// <summary>TESTPAGEFLAG(Writeback, writeback, PF_NO_TAIL).</summary>
    [PageFlagPolicy(FlagPolicy.NoTail)]
    public static readonly PageFlag Writeback = new(PageFlagBit.Writeback, FlagPolicy.NoTail, "PG_writeback");
    /// <summary>
    /// PAGEFLAG(MappedToDisk, mappedtodisk, PF_NO_TAIL): a page-cache page has blocks on disk. On an
    /// anonymous page this bit is PG_anon_exclusive, so the accessors refuse anon pages
    /// (<c>PageMappedToDisk</c>, <c>SetPageMappedToDisk</c>, <c>ClearPageMappedToDisk</c>).
    /// </summary>
    [NotAnon]
    [PageFlagPolicy(FlagPolicy.NoTail)]
    public static readonly PageFlag MappedToDisk = new(PageFlagBit.MappedToDisk, FlagPolicy.NoTail, "PG_mappedtodisk", FlagDomain.NotAnon);
    /// <summary>PAGEFLAG(Reclaim, reclaim, PF_NO_TAIL).</summary>
    [PageFlagPolicy(FlagPolicy.NoTail)]
    public static readonly PageFlag Reclaim = new(PageFlagBit.Reclaim, FlagPolicy.NoTail, "PG_reclaim");
    /// <summary>PAGEFLAG(Readahead, readahead, PF_NO_COMPOUND): alias of PG_reclaim.</summary>
    [PageFlagPolicy(FlagPolicy.NoCompound)]
    public static readonly PageFlag Readahead = new(PageFlagBit.Readahead, FlagPolicy.NoCompound, "PG_readahead");
    /// <summary>PAGEFLAG(Unevictable, unevictable, PF_HEAD).</summary>
    [PageFlagPolicy(FlagPolicy.Head)]
    public static readonly PageFlag Unevictable = new(PageFlagBit.Unevictable, FlagPolicy.Head, "PG_unevictable");
    /// <summary>PAGEFLAG(Mlocked, mlocked, PF_NO_TAIL).</summary>
    [PageFlagPolicy(FlagPolicy.NoTail)]
    public static readonly PageFlag Mlocked = new(PageFlagBit.Mlocked, FlagPolicy.NoTail, "PG_mlocked");
    /// <summary>PAGEFLAG(HWPoison, hwpoison, PF_ANY).</summary>
    [PageFlagPolicy(FlagPolicy.Any)]
    public static readonly PageFlag HwPoison = new(PageFlagBit.HwPoison, FlagPolicy.Any, "PG_hwpoison");
    /// <summary>CLEARPAGEFLAG(Uptodate, uptodate, PF_NO_TAIL).</summary>
    [PageFlagPolicy(FlagPolicy.NoTail)]
    public static readonly PageFlag Uptodate = new(PageFlagBit.Uptodate, FlagPolicy.NoTail, "PG_uptodate");
    /// <summary>PAGEFLAG(HasHWPoisoned, has_hwpoisoned, PF_SECOND): alias of PG_error on page[1].</summary>
    [PageFlagPolicy(FlagPolicy.Second)]
    public static readonly PageFlag HasHwPoisoned = new(PageFlagBit.HasHwPoisoned, FlagPolicy.Second, "PG_has_hwpoisoned");
    /// <summary>PAGEFLAG(DoubleMap, double_map, PF_SECOND): alias of PG_workingset on page[1] (Linux before 6.2).</summary>
    [PageFlagPolicy(FlagPolicy.Second)]
    public static readonly PageFlag DoubleMap = new(PageFlagBit.DoubleMap, FlagPolicy.Second, "PG_double_map");
    /// <summary>PAGEFLAG(Isolated, isolated, PF_ANY): alias of PG_reclaim.</summary>
    [PageFlagPolicy(FlagPolicy.Any)]
    public static readonly PageFlag Isolated = new(PageFlagBit.Isolated, FlagPolicy.Any, "PG_isolated");
    /// <summary>__PAGEFLAG(Reported, reported, PF_NO_COMPOUND): alias of PG_uptodate, free buddy pages only.</summary>
    [PageFlagPolicy(FlagPolicy.NoCompound)]
    public static readonly PageFlag Reported = new(PageFlagBit.Reported, FlagPolicy.NoCompound, "PG_reported");

    /// <summary>Every descriptor above.</summary>
    public static IReadOnlyList<PageFlag> All { get; } =
    [
        Locked, Waiters, Error, Referenced, Dirty, Lru, Active, Workingset, Slab, Checked, Reserved,
        SwapBacked, Private, Private2, OwnerPriv1, Writeback, MappedToDisk, Reclaim, Readahead,
        Unevictable, Mlocked, HwPoison, Uptodate, HasHwPoisoned, DoubleMap, Isolated, Reported,
    ];
}
