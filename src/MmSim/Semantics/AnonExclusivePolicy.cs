using MmSim.PageFlags;
using MmSim.Rmap;
using MmSim.Vm;

namespace MmSim.Semantics;

/// <summary>Linux 6.2 and later: PG_anon_exclusive decides.</summary>
internal sealed class AnonExclusivePolicy : CowPolicy
{
    public override CowSemantics Semantics => CowSemantics.AnonExclusive;

    /// <summary>Only shmem, hugetlbfs and private (COW) areas take long-term writable pins (6.5 and later).</summary>
    public override bool LongtermWriteAllowed(Vma vma) =>
        vma.File is null || !vma.Flags.HasFlag(VmFlags.Shared) || vma.File.IsShmem || vma.File.IsHugetlb;

    /// <summary>Anonymous folios, and page-cache folios of shmem and hugetlbfs.</summary>
    public override bool FastLongtermWriteAllowed(Folio folio) =>
        folio.IsAnon || folio.Memory.Mappings.Resolve<SimFile>(folio.Mapping.ObjectId) is { IsShmem: true } or { IsHugetlb: true };

    public override bool TracksExclusivity => true;

    public override bool TracksPins => true;

    /// <summary>
    /// do_wp_page(): an exclusive page is reused; otherwise only a page we hold the only reference to
    /// (refcount 1, plus the swap cache's) is, under the folio lock, after page_move_anon_rmap() marks it exclusive.
    /// </summary>
    public override bool WpCanReuseAnon(Page page, Vma vma)
    {
        if (page.IsAnonExclusive)
            return true;
        var folio = page.Folio;
        if (folio.IsLarge)
            return WpCanReuseLargeAnonFolio(page);
        if (folio.IsKsm)
            return false;
        int expected = 1 + (folio.IsSwapCache ? 1 : 0);
        if (folio.RefCount > expected)
            return false;
        if (!folio.TryLock())
            return false;
        try
        {
            FreeSwapIfUnused(folio, vma);
            if (folio.IsKsm || folio.RefCount != 1)
                return false;
            AnonRmap.PageMoveAnonRmap(page, vma);
            return true;
        }
        finally
        {
            folio.Unlock();
        }
    }

    /// <summary>
    /// __wp_can_reuse_large_anon_folio() (6.16): a PTE-mapped large folio is reused when every reference to it
    /// is a mapping and every mapping is in this process; only the faulting page becomes exclusive. A folio
    /// mapped only once is left to be freed by the copy.
    /// </summary>
    private static bool WpCanReuseLargeAnonFolio(Page page)
    {
        var folio = page.Folio;
        int mapcount = FolioSharing.LargeMapcount(folio);
        if (mapcount <= 1 || folio.IsSwapCache || mapcount != folio.RefCount || FolioSharing.MaybeMappedShared(folio))
            return false;
        page.SetAnonExclusive();
        return true;
    }

    /// <summary>page_try_dup_anon_rmap(): an exclusive page that may be pinned is not shared with the child.</summary>
    public override bool ForkMustCopy(Page page, Vma srcVma) =>
        PageNeedsCowForDma(srcVma, page) && page.IsAnonExclusive; // the cheap MMF_HAS_PINNED test first

    /// <summary>
    /// gup_must_unshare() of 6.2: FOLL_PIN without FOLL_WRITE of an anon page that is not exclusive, or a
    /// long-term R/O pin of any other page in a COW mapping (84209e87c696).
    /// </summary>
    public override bool GupMustUnshare(Vma? vma, Page page, bool pin, bool longterm)
    {
        if (!pin)
            return false;
        if (!page.IsAnon)
            return longterm && (vma is null || vma.IsCowMapping); // GUP-fast has no vma: let the slow path decide
        return !page.IsAnonExclusive;
    }

    /// <summary>
    /// can_follow_write_pte() since 5535be309971 (CVE-2022-2590): only an exclusive anon page of a private
    /// area that may be written but is mapped R/O; a dirty bit proves nothing.
    /// </summary>
    public override bool CanFollowWriteForce(Vma vma, PageTables.Pte pte, Page? page, bool cowBroken) =>
        vma.Flags.HasFlag(VmFlags.MayWrite) && !vma.Flags.HasFlag(VmFlags.Write) &&
        (vma.Flags & (VmFlags.Shared | VmFlags.MayShare)) == 0 &&
        page is { IsAnon: true } anon && anon.IsAnonExclusive;

    /// <summary>
    /// can_change_pte_writable() (6.2): private areas only for exclusive anon pages, never by mapcount
    /// (the trap of Dev Jain's 2025 batching patch); shared areas for dirty entries.
    /// </summary>
    public override bool CanChangePteWritable(Vma vma, PageTables.Pte pte, Page? page)
    {
        if (!vma.Flags.HasFlag(VmFlags.Shared))
            return page is { IsAnon: true } anon && anon.IsAnonExclusive;
        return pte.IsDirty;
    }

    /// <summary>do_swap_page() (6.1): exclusivity remembered in the swap entry, or a page only we reference.</summary>
    public override bool SwapInCanReuse(Folio folio, bool exclusiveEntry, int otherUsers) =>
        !folio.IsKsm && (exclusiveEntry || folio.RefCount == 1);

    /// <summary>
    /// do_huge_pmd_wp_page() (6.1): an exclusive head reuses; else, under the folio lock, a THP we hold the
    /// only reference to is moved into our anon_vma and marked exclusive.
    /// </summary>
    public override bool HugePmdCanReuse(Folio folio, Vma vma)
    {
        if (!folio.IsAnon || folio.IsKsm)
            return false;
        if (folio.Head.IsAnonExclusive)
            return true;
        if (!folio.TryLock())
            return false;
        try
        {
            FreeSwapIfUnused(folio, vma);
            if (folio.RefCount != 1)
                return false;
            AnonRmap.PageMoveAnonRmap(folio.Head, vma);
            return true;
        }
        finally
        {
            folio.Unlock();
        }
    }
}
