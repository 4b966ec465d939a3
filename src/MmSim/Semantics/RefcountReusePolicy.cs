using MmSim.PageFlags;
using MmSim.Vm;

namespace MmSim.Semantics;

/// <summary>Linux 5.11 to 5.17: reuse a base page only if page_count() == 1; no exclusivity, no unsharing.</summary>
internal sealed class RefcountReusePolicy : BeforeAnonExclusivePolicy
{
    public override CowSemantics Semantics => CowSemantics.RefcountReuse;

    public override bool TracksPins => true;

    /// <summary>
    /// do_wp_page() after 09854ba94c6a ("mm: do_wp_page() simplification"): KSM or any extra reference
    /// (a GUP pin, a vmsplice reference, another mapping) means copy.
    /// </summary>
    public override bool WpCanReuseAnon(Page page, Vma vma)
    {
        var folio = page.Folio;
        int expected = 1 + (folio.IsSwapCache ? 1 : 0);
        if (folio.IsKsm || folio.RefCount != expected)
            return false;
        if (!folio.TryLock())
            return false;
        try
        {
            FreeSwapIfUnused(folio, vma);
            return !folio.IsKsm && page.MapCount == 1 && folio.RefCount == 1;
        }
        finally
        {
            folio.Unlock();
        }
    }

    /// <summary>copy_present_page() since 5.9 (Peter Xu): pinned pages of a pinning mm are copied for the child.</summary>
    public override bool ForkMustCopy(Page page, Vma srcVma) => PageNeedsCowForDma(srcVma, page);
}
