using MmSim.PageFlags;
using MmSim.Vm;

namespace MmSim.Semantics;

/// <summary>
/// The one seam where the three COW generations differ: whether exclusivity is tracked, when a write
/// fault may reuse an anonymous page, when fork must copy instead of share, and when GUP must unshare.
/// Fault, fork and GUP code ask this policy and contain no generation checks of their own.
/// </summary>
internal abstract class CowPolicy
{
    public abstract CowSemantics Semantics { get; }

    /// <summary>Whether PG_anon_exclusive exists (set on new pages, cleared on sharing).</summary>
    public abstract bool TracksExclusivity { get; }

    /// <summary>Whether FOLL_PIN is counted apart from FOLL_GET and recorded in MMF_HAS_PINNED (5.9+).</summary>
    public abstract bool TracksPins { get; }

    /// <summary>
    /// do_wp_page() for an anonymous page mapped R/O: may the fault reuse it in place (and, where
    /// exclusivity is tracked, mark it exclusive)? Called with the PT lock held.
    /// </summary>
    public abstract bool WpCanReuseAnon(Page page, Vma vma);

    /// <summary>
    /// copy_present_pte(): must the child get its own copy of this anonymous page now, because the parent
    /// may have it pinned (page_try_dup_anon_rmap() returning -EBUSY, copy_present_page())?
    /// </summary>
    public abstract bool ForkMustCopy(Page page, Vma srcVma);

    /// <summary>
    /// gup_must_unshare(): must a read-only GUP of <paramref name="page"/> (mapped R/O) first break COW
    /// with an unshare fault? <paramref name="page"/> is the mapped (sub)page; the zero page counts as non-anon.
    /// </summary>
    public abstract bool GupMustUnshare(Vma? vma, Page page, bool pin, bool longterm);

    /// <summary>
    /// can_follow_write_pte(): may FOLL_FORCE write through this R/O entry of a private area without another
    /// fault? <paramref name="cowBroken"/> is FOLL_COW: a write fault already broke COW for this access.
    /// </summary>
    public abstract bool CanFollowWriteForce(Vma vma, PageTables.Pte pte, Page? page, bool cowBroken);

    /// <summary>
    /// can_change_pte_writable(): may mprotect() map this R/O entry writable right away, sparing the write
    /// fault? Only where that fault would reuse the page anyway.
    /// </summary>
    public abstract bool CanChangePteWritable(Vma vma, PageTables.Pte pte, Page? page);

    /// <summary>
    /// do_swap_page(): may a write fault map the swapped-in page writable right away? <paramref name="exclusiveEntry"/>
    /// is pte_swp_exclusive() of the entry; <paramref name="otherUsers"/> counts the other entries still
    /// naming the slot plus the mappings the page has already.
    /// </summary>
    public abstract bool SwapInCanReuse(Folio folio, bool exclusiveEntry, int otherUsers);

    /// <summary>
    /// do_huge_pmd_wp_page(): may a write or unshare fault on a PMD-mapped THP reuse the whole folio?
    /// Otherwise the PMD is split and the PTE level copies one subpage.
    /// </summary>
    public abstract bool HugePmdCanReuse(Folio folio, Vma vma);

    /// <summary>
    /// writable_file_mapping_allowed() (6.5, 8ac268436e6d): may a FOLL_LONGTERM | FOLL_WRITE pin land in this
    /// shared file area? A file system that tracks dirty pages for writeback cannot have them written behind
    /// its back for ever; shmem and hugetlbfs can.
    /// </summary>
    public virtual bool LongtermWriteAllowed(Vma vma) => true;

    /// <summary>
    /// folio_fast_pin_allowed() (6.5): GUP-fast has no area to look at, so it asks the folio; a page-cache
    /// folio of a file system other than shmem and hugetlbfs sends a long-term writable pin to the slow path.
    /// </summary>
    public virtual bool FastLongtermWriteAllowed(Folio folio) => true;

    public static CowPolicy For(CowSemantics semantics) => semantics switch
    {
        CowSemantics.AnonExclusive => new AnonExclusivePolicy(),
        CowSemantics.RefcountReuse => new RefcountReusePolicy(),
        CowSemantics.MapcountReuse => new MapcountReusePolicy(),
        _ => throw new MmException(Errno.EINVAL, $"unknown COW semantics {semantics}"),
    };

    /// <summary>
    /// folio_free_swap() / try_to_free_swap() under the folio lock: a swap-cache folio whose slot no entry
    /// names any more leaves the swap cache, so that its refcount tells whether we are its only user.
    /// </summary>
    protected static void FreeSwapIfUnused(Folio folio, Vma vma)
    {
        if (folio.IsSwapCache && vma.Mm.Machine.Swap is { } swap && !swap.FolioSwapped(folio))
            swap.DeleteFromSwapCache(folio);
    }

    /// <summary>page_needs_cow_for_dma(): a COW area of an mm that pinned something, and a page that may be pinned.</summary>
    protected static bool PageNeedsCowForDma(Vma vma, Page page) =>
        vma.IsCowMapping && vma.Mm.HasPinned && page.Folio.MaybeDmaPinned;
}
