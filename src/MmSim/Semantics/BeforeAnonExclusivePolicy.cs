using MmSim.PageFlags;
using MmSim.Vm;

namespace MmSim.Semantics;

/// <summary>
/// What the generations before PG_anon_exclusive (5.19) share: no exclusivity to track, no GUP-triggered
/// unsharing, no write upgrade in mprotect(), FOLL_FORCE through FOLL_COW, and swap-in and PMD-mapped THP
/// reuse by mapcount (until c145e0b47c77 and 3bff7e3f1f16 in 5.18).
/// </summary>
internal abstract class BeforeAnonExclusivePolicy : CowPolicy
{
    public sealed override bool TracksExclusivity => false;

    /// <summary>No GUP-triggered unsharing before 5.19.</summary>
    public sealed override bool GupMustUnshare(Vma? vma, Page page, bool pin, bool longterm) => false;

    /// <summary>Before 6.0 mprotect() never upgraded entries to writable; the next write faults.</summary>
    public sealed override bool CanChangePteWritable(Vma vma, PageTables.Pte pte, Page? page) => false;

    /// <summary>The Dirty COW fix of 2016 (19be0eaffa3a): FOLL_COW and a dirty entry, set by the COW that just happened.</summary>
    public sealed override bool CanFollowWriteForce(Vma vma, PageTables.Pte pte, Page? page, bool cowBroken) => cowBroken && pte.IsDirty;

    /// <summary>reuse_swap_page(): mapcount plus swap count; blind to GUP references (fixed only by c145e0b47c77 in 5.18).</summary>
    public sealed override bool SwapInCanReuse(Folio folio, bool exclusiveEntry, int otherUsers) => !folio.IsKsm && otherUsers == 0;

    /// <summary>
    /// do_huge_pmd_wp_page() before 5.18 (3bff7e3f1f16 made it refcount-based): reuse_swap_page(), that
    /// is, the THP's largest mapcount is one; GUP references are invisible to it.
    /// </summary>
    public sealed override bool HugePmdCanReuse(Folio folio, Vma vma) =>
        folio.IsAnon && !folio.IsKsm && MaxMapcount(folio) == 1;

    /// <summary>page_trans_huge_mapcount(): the largest mapcount over the folio's subpages.</summary>
    protected static int MaxMapcount(Folio folio)
    {
        int max = 0;
        for (int i = 0; i < folio.NrPages; i++)
            max = System.Math.Max(max, folio.Page(i).MapCount);
        return max;
    }
}
