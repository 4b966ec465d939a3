using MmSim.PageFlags;
using MmSim.Vm;

namespace MmSim.Semantics;

/// <summary>Linux 5.11 to 5.17: reuse a base page only if page_count() == 1; no exclusivity, no unsharing.</summary>
internal sealed class RefcountReusePolicy : CowPolicy
{
    public override CowSemantics Semantics => CowSemantics.RefcountReuse;

    public override bool TracksExclusivity => false;

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

    /// <summary>No GUP-triggered unsharing before 5.19.</summary>
    public override bool GupMustUnshare(Vma? vma, Page page, bool pin, bool longterm) => false;

    /// <summary>Before 6.0 mprotect() never upgraded entries to writable; the next write faults.</summary>
    public override bool CanChangePteWritable(Vma vma, PageTables.Pte pte, Page? page) => false;

    /// <summary>The Dirty COW fix of 2016 (19be0eaffa3a): FOLL_COW and a dirty entry, set by the COW that just happened.</summary>
    public override bool CanFollowWriteForce(Vma vma, PageTables.Pte pte, Page? page, bool cowBroken) => cowBroken && pte.IsDirty;

    /// <summary>reuse_swap_page(): mapcount plus swap count; blind to GUP references (fixed only by c145e0b47c77 in 5.18).</summary>
    public override bool SwapInCanReuse(Folio folio, bool exclusiveEntry, int otherUsers) => !folio.IsKsm && otherUsers == 0;

    /// <summary>
    /// do_huge_pmd_wp_page() before 5.18 (3bff7e3f1f16 made it refcount-based): reuse_swap_page(), that
    /// is, the THP's largest mapcount is one; GUP references are invisible to it.
    /// </summary>
    public override bool HugePmdCanReuse(Folio folio, Vma vma)
    {
        if (!folio.IsAnon || folio.IsKsm)
            return false;
        int max = 0;
        for (int i = 0; i < folio.NrPages; i++)
            max = System.Math.Max(max, folio.Page(i).MapCount);
        return max == 1;
    }
}
