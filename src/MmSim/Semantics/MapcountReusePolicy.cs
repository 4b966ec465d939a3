using MmSim.PageFlags;
using MmSim.Vm;

namespace MmSim.Semantics;

/// <summary>Before Linux 5.8: reuse when mapped once; GUP never breaks COW; fork shares everything.</summary>
internal sealed class MapcountReusePolicy : CowPolicy
{
    public override CowSemantics Semantics => CowSemantics.MapcountReuse;

    public override bool TracksExclusivity => false;

    public override bool TracksPins => false;

    /// <summary>
    /// reuse_swap_page(): page_trans_huge_mapcount() == 1, blind to GUP references held elsewhere,
    /// which is CVE-2020-29374.
    /// </summary>
    public override bool WpCanReuseAnon(Page page, Vma vma)
    {
        var folio = page.Folio;
        if (page.IsKsm || MaxMapcount(folio) + SwapCount(folio, vma) != 1)
            return false;
        if (folio.TryLock())
        {
            FreeSwapIfUnused(folio, vma); // reuse_swap_page() deletes the page from the swap cache
            folio.Unlock();
        }
        return true;
    }

    private static int SwapCount(Folio folio, Vma vma) =>
        folio.IsSwapCache && vma.Mm.Machine.Swap is { } swap ? swap.Count((long)folio.Private) : 0;

    public override bool ForkMustCopy(Page page, Vma srcVma) => false;

    public override bool GupMustUnshare(Vma? vma, Page page, bool pin, bool longterm) => false;

    /// <summary>page_trans_huge_mapcount(): the largest mapcount over the folio's subpages.</summary>
    private static int MaxMapcount(Folio folio)
    {
        int max = 0;
        for (int i = 0; i < folio.NrPages; i++)
            max = System.Math.Max(max, folio.Page(i).MapCount);
        return max;
    }

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
