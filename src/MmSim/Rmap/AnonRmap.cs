using MmSim.Contracts;
using MmSim.Diagnostics;
using MmSim.PageFlags;
using MmSim.Vm;

namespace MmSim.Rmap;

/// <summary>The reverse-map operations on pages of mm/rmap.c and include/linux/rmap.h (Linux 6.1).</summary>
internal static class AnonRmap
{
    /// <summary>
    /// page_add_new_anon_rmap(): a freshly allocated page becomes anonymous, mapped once, in this area's
    /// anon_vma, and exclusive where the generation tracks exclusivity (__page_set_anon_rmap(exclusive=1)).
    /// </summary>
    public static void PageAddNewAnonRmap(Page page, Vma vma, ulong address, bool exclusive)
    {
        var folio = page.Folio;
        MmBug.On(folio.IsLarge, page, "page_add_new_anon_rmap: large folios take the compound path");
        var anonVma = vma.Mm.AnonVmaPrepare(vma);
        folio.Set(PG.SwapBacked);
        MmBug.On(!page.IncMapCount(), page, "page_add_new_anon_rmap on a page that is already mapped");
        folio.SetMapping(anonVma.Mapping);
        folio.SetIndex(vma.LinearPageIndex(address));
        if (exclusive)
            page.SetAnonExclusive();
    }

    /// <summary>
    /// page_try_dup_anon_rmap(): fork shares an anon page with the child. A non-exclusive page is just
    /// mapped once more; an exclusive one loses exclusivity, unless it may be pinned: then -EBUSY (false)
    /// and the caller must give the child a copy. Called with the source PT lock held during fork.
    /// </summary>
    [AnonExclusiveHelper]
    [MustCheckResult]
    [RequiresPageTableLock]
    public static bool PageTryDupAnonRmap(Page page, Vma srcVma)
    {
        MmBug.VmOn(!page.IsAnon, page, "page_try_dup_anon_rmap on a page that is not anonymous");
        var policy = srcVma.Mm.Machine.Policy;
        if (policy.ForkMustCopy(page, srcVma))
            return false;
        if (policy.TracksExclusivity && page.IsAnonExclusive)
            page.ClearAnonExclusive();
        page.IncMapCount();
        return true;
    }

    /// <summary>
    /// page_move_anon_rmap(): a write fault that proved sole ownership moves the folio into this area's
    /// anon_vma and marks the mapped subpage exclusive. Needs the folio lock.
    /// </summary>
    public static void PageMoveAnonRmap(Page page, Vma vma)
    {
        var folio = page.Folio;
        MmBug.On(!folio.IsLocked, page, "page_move_anon_rmap without the folio lock");
        MmBug.On(!folio.IsAnon || folio.IsKsm, page, "page_move_anon_rmap on a page that is not a plain anon page");
        folio.SetMapping(vma.Mm.AnonVmaPrepare(vma).Mapping);
        page.SetAnonExclusive();
    }

    /// <summary>page_add_file_rmap(): one more PTE maps a page-cache page.</summary>
    public static void PageAddFileRmap(Page page) => page.IncMapCount();

    /// <summary>
    /// page_remove_rmap(): one PTE less. PG_anon_exclusive is deliberately left alone: zap never clears it,
    /// so that unpin-time checks still see an exclusive page; the free path drops it.
    /// </summary>
    public static void PageRemoveRmap(Page page) => page.DecMapCount();
}
