using MmSim.PageFlags;
using MmSim.Vm;

namespace MmSim.Semantics;

/// <summary>Before Linux 5.8: reuse when mapped once; GUP never breaks COW; fork shares everything.</summary>
internal sealed class MapcountReusePolicy : BeforeAnonExclusivePolicy
{
    public override CowSemantics Semantics => CowSemantics.MapcountReuse;

    public override bool TracksPins => false;

    /// <summary>
    /// reuse_swap_page(): page_trans_huge_mapcount() == 1, blind to GUP references held elsewhere,
    /// which is CVE-2020-29374.
    /// </summary>
    public override bool WpCanReuseAnon(Page page, Vma vma)
    {
        var folio = page.Folio;
        if (page.IsKsm || MaxMapcount(folio) + SwapCount(page, vma) != 1)
            return false;
        if (folio.TryLock())
        {
            FreeSwapIfUnused(folio, vma); // reuse_swap_page() deletes the page from the swap cache
            folio.Unlock();
        }
        return true;
    }

    /// <summary>page_swapcount(): the entries that still name the page's slot while it is in the swap cache.</summary>
    private static int SwapCount(Page page, Vma vma) =>
        page.Folio is { IsSwapCache: true } folio && vma.Mm.Machine.Swap is { } swap ? swap.Count((long)folio.Private + (page.Pfn - folio.Head.Pfn)) : 0;

    /// <summary>Before 5.9 fork shared every page, pinned or not (the RDMA "wrong COW" after fork).</summary>
    public override bool ForkMustCopy(Page page, Vma srcVma) => false;
}
