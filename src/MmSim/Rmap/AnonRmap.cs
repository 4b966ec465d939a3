using MmSim.Contracts;
using MmSim.Diagnostics;
using MmSim.PageFlags;
using MmSim.Vm;

namespace MmSim.Rmap;

/// <summary>
/// The reverse-map operations on pages of mm/rmap.c and include/linux/rmap.h (Linux 6.1): the sanctioned
/// places where a page becomes anonymous, gains or loses a mapping, and gains or loses exclusivity.
/// </summary>
public static class AnonRmap
{
    /// <summary>
    /// page_add_new_anon_rmap(): a freshly allocated page becomes anonymous, mapped once, in this area's
    /// anon_vma, and exclusive where the generation tracks exclusivity (__page_set_anon_rmap(exclusive=1)).
    /// </summary>
    internal static void PageAddNewAnonRmap(Page page, Vma vma, ulong address, bool exclusive)
    {
        var folio = page.Folio;
        MmBug.On(folio.IsLarge, page, "page_add_new_anon_rmap: large folios take the compound path");
        var anonVma = vma.Mm.AnonVmaPrepare(vma);
        folio.Set(PG.SwapBacked);
        MmBug.On(!page.IncMapCount(vma.Mm.Id), page, "page_add_new_anon_rmap on a page that is already mapped");
        folio.SetMapping(anonVma.Mapping);
        folio.SetIndex(vma.LinearPageIndex(address));
        if (exclusive)
            page.SetAnonExclusive();
        page.Memory.Lru.Add(folio); // folio_add_lru_vma()
    }

    /// <summary>
    /// page_add_anon_rmap(): a page that may be mapped elsewhere already (swap-in) gains a mapping; the
    /// first one sets its anon_vma. RMAP_EXCLUSIVE marks it exclusive, which only the first mapping may be.
    /// A page that is not exclusive gets the root anon_vma (__folio_set_anon(): "the _oldest_ possible
    /// anon_vma"): other processes of the fork tree may map it too, and an rmap walk must find them all.
    /// </summary>
    internal static void PageAddAnonRmap(Page page, Vma vma, ulong address, bool exclusive)
    {
        var folio = page.Folio;
        bool first = page.IncMapCount(vma.Mm.Id);
        MmBug.On(exclusive && !first, page, "RMAP_EXCLUSIVE for a page that is mapped already");
        if (first && !folio.IsAnon)
        {
            var anonVma = vma.Mm.AnonVmaPrepare(vma);
            folio.SetMapping((exclusive ? anonVma : anonVma.Root).Mapping);
            folio.SetIndex(vma.LinearPageIndex(address));
        }
        if (exclusive)
            page.SetAnonExclusive();
    }

    /// <summary>
    /// folio_add_anon_rmap_pmd() / hugetlb_add_anon_rmap(): a THP or hugetlb page that is anonymous already
    /// (migrated, or just given its anon_vma) is mapped whole once more; RMAP_EXCLUSIVE marks its head exclusive.
    /// </summary>
    internal static void PageAddAnonRmapPmd(Folio folio, Vma vma, bool exclusive)
    {
        if (folio.IsHugetlb)
            folio.AddHugetlbEntireMapcount(1);
        else
            folio.AddEntireMapcount(1, vma.Mm.Id);
        if (exclusive)
            folio.Head.SetAnonExclusive();
    }

    /// <summary>folio_remove_rmap_pmd() / hugetlb_remove_rmap(): one mapping of the whole THP or hugetlb page less.</summary>
    internal static void PageRemoveRmapPmd(Folio folio, Vma vma)
    {
        if (folio.IsHugetlb)
            folio.AddHugetlbEntireMapcount(-1);
        else
            folio.AddEntireMapcount(-1, vma.Mm.Id);
    }

    /// <summary>
    /// page_try_dup_anon_rmap(): fork shares an anon page with the child's <paramref name="dstVma"/>. A
    /// non-exclusive page is just mapped once more; an exclusive one loses exclusivity, unless it may be pinned:
    /// then -EBUSY (false) and the caller must give the child a copy. Called with the source PT lock held.
    /// </summary>
    [AnonExclusiveHelper]
    [MustCheckResult]
    [RequiresPageTableLock]
    internal static bool PageTryDupAnonRmap(Page page, Vma dstVma, Vma srcVma)
    {
        if (page.Memory.DebugVm)
            MmBug.VmOn(!page.IsAnon, page, "page_try_dup_anon_rmap on a page that is not anonymous");
        var policy = srcVma.Mm.Machine.Policy;
        if (policy.ForkMustCopy(page, srcVma))
            return false;
        if (policy.TracksExclusivity && page.IsAnonExclusive)
            page.ClearAnonExclusive();
        page.IncMapCount(dstVma.Mm.Id);
        return true;
    }

    /// <summary>
    /// page_try_dup_anon_rmap(page, compound=true): fork shares a PMD-mapped THP or hugetlb page with the child's
    /// <paramref name="dstVma"/>; the head carries exclusivity for the whole PMD. -EBUSY (false) if it may be
    /// pinned: the caller splits (or, for hugetlb, copies) instead.
    /// </summary>
    [AnonExclusiveHelper]
    [MustCheckResult]
    [RequiresPageTableLock]
    internal static bool PageTryDupAnonRmapCompound(Folio folio, Vma dstVma, Vma srcVma)
    {
        var policy = srcVma.Mm.Machine.Policy;
        if (policy.ForkMustCopy(folio.Head, srcVma))
            return false;
        if (policy.TracksExclusivity && folio.Head.IsAnonExclusive)
            folio.Head.ClearAnonExclusive();
        if (folio.IsHugetlb)
            folio.AddHugetlbEntireMapcount(1);
        else
            folio.AddEntireMapcount(1, dstVma.Mm.Id);
        return true;
    }

    /// <summary>
    /// page_move_anon_rmap(): a write fault that proved sole ownership moves the folio into this area's
    /// anon_vma and marks the mapped subpage exclusive. Needs the folio lock.
    /// </summary>
    internal static void PageMoveAnonRmap(Page page, Vma vma)
    {
        var folio = page.Folio;
        MmBug.On(!folio.IsLocked, page, "page_move_anon_rmap without the folio lock");
        MmBug.On(!folio.IsAnon || folio.IsKsm, page, "page_move_anon_rmap on a page that is not a plain anon page");
        folio.SetMapping(vma.Mm.AnonVmaPrepare(vma).Mapping);
        page.SetAnonExclusive();
    }

    /// <summary>page_add_file_rmap(): one more PTE maps a page-cache page.</summary>
    internal static void PageAddFileRmap(Page page, Vma vma) => page.IncMapCount(vma.Mm.Id);

    /// <summary>
    /// page_try_share_anon_rmap(): before the entry that maps an exclusive anon page is replaced by a
    /// non-present or R/O one that others may share (swap-out, migration, KSM), drop exclusivity, unless
    /// the page may be pinned: then false (-EBUSY), and the caller must restore the entry and give up.
    /// The caller holds the PT lock and has already cleared (or invalidated) the entry, so that GUP-fast
    /// cannot pin the page behind its back; the full barrier pairs with the one in try_grab_folio().
    /// </summary>
    [AnonExclusiveHelper]
    [MustCheckResult]
    [RequiresPageTableLock]
    [RequiresAnonExclusive]
    public static bool PageTryShareAnonRmap(Page page)
    {
        if (page.Memory.DebugVm)
            MmBug.VmOn(!page.IsAnon || !page.IsAnonExclusive, page, "page_try_share_anon_rmap on a page that is not exclusive anon");
        System.Threading.Interlocked.MemoryBarrier(); // smp_mb(): pairs with GUP-fast's grab-then-recheck
        if (page.Folio.MaybeDmaPinned)
            return false;
        page.ClearAnonExclusive();
        return true;
    }

    /// <summary>
    /// page_remove_rmap(): one PTE less. PG_anon_exclusive is deliberately left alone: zap never clears it,
    /// so that unpin-time checks still see an exclusive page; the free path drops it.
    /// </summary>
    internal static void PageRemoveRmap(Page page, Vma vma) => page.DecMapCount(vma.Mm.Id);
}
