namespace MmSim.PageFlags;

/// <summary>
/// Bit numbers in a page's flags word: <c>enum pageflags</c> of Linux 6.1
/// <c>include/linux/page-flags.h</c> (x86-64, CONFIG_MEMORY_FAILURE, no Xen/SLOB-only users).
/// These are bit <em>numbers</em>, not masks: <c>1UL &lt;&lt; bit</c> is the mask (<see cref="PageFlagBitExtensions.Mask"/>).
/// The aliases below share one bit with another flag, exactly as in the kernel, so a misuse through
/// the wrong name reads or writes the other flag's state.
/// </summary>
public enum PageFlagBit
{
    /// <summary>PG_locked: the folio lock.</summary>
    Locked = 0,
    /// <summary>PG_referenced.</summary>
    Referenced = 1,
    /// <summary>PG_uptodate.</summary>
    Uptodate = 2,
    /// <summary>PG_dirty.</summary>
    Dirty = 3,
    /// <summary>PG_lru: the folio is on an LRU list.</summary>
    Lru = 4,
    /// <summary>PG_active.</summary>
    Active = 5,
    /// <summary>PG_workingset.</summary>
    Workingset = 6,
    /// <summary>PG_waiters.</summary>
    Waiters = 7,
    /// <summary>PG_error.</summary>
    Error = 8,
    /// <summary>PG_slab.</summary>
    Slab = 9,
    /// <summary>PG_owner_priv_1: owner use (PG_checked for file systems, PG_swapcache for swap-backed folios).</summary>
    OwnerPriv1 = 10,
    /// <summary>PG_arch_1.</summary>
    Arch1 = 11,
    /// <summary>PG_reserved: never freed to the buddy allocator (the shared zero page).</summary>
    Reserved = 12,
    /// <summary>PG_private.</summary>
    Private = 13,
    /// <summary>PG_private_2.</summary>
    Private2 = 14,
    /// <summary>PG_writeback.</summary>
    Writeback = 15,
    /// <summary>PG_head: the first page of a compound page (a large folio).</summary>
    Head = 16,
    /// <summary>PG_mappedtodisk: a page-cache page has blocks on disk. Shared with <see cref="AnonExclusive"/>.</summary>
    MappedToDisk = 17,
    /// <summary>PG_reclaim. Shared with <see cref="Readahead"/> and <see cref="Isolated"/>.</summary>
    Reclaim = 18,
    /// <summary>PG_swapbacked: backed by RAM or swap (every anon folio).</summary>
    SwapBacked = 19,
    /// <summary>PG_unevictable.</summary>
    Unevictable = 20,
    /// <summary>PG_mlocked.</summary>
    Mlocked = 21,
    /// <summary>PG_hwpoison: the frame has a hardware memory error. Kept across free (not in the PREP mask).</summary>
    HwPoison = 22,

    /// <summary>PG_readahead = PG_reclaim.</summary>
    Readahead = Reclaim,
    /// <summary>
    /// PG_anon_exclusive = PG_mappedtodisk (78fbe906cc90): on an anonymous page, "this page is exclusive
    /// to one mapping and may be pinned and written without a copy". Meaningful only while PageAnon.
    /// </summary>
    AnonExclusive = MappedToDisk,
    /// <summary>PG_checked = PG_owner_priv_1 (file systems).</summary>
    Checked = OwnerPriv1,
    /// <summary>PG_swapcache = PG_owner_priv_1 (only meaningful together with PG_swapbacked).</summary>
    SwapCache = OwnerPriv1,
    /// <summary>PG_fscache = PG_private_2.</summary>
    FsCache = Private2,
    /// <summary>PG_double_map = PG_workingset, on the second page of a THP (until 6.2).</summary>
    DoubleMap = Workingset,
    /// <summary>PG_has_hwpoisoned = PG_error, on the second page of a large folio (moved off PG_mappedtodisk in 5.19).</summary>
    HasHwPoisoned = Error,
    /// <summary>PG_isolated = PG_reclaim (non-LRU movable pages).</summary>
    Isolated = Reclaim,
    /// <summary>PG_reported = PG_uptodate (free buddy pages only).</summary>
    Reported = Uptodate,
}
