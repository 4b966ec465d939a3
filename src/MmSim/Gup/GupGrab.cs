using MmSim.Diagnostics;
using MmSim.PageFlags;

namespace MmSim;

/// <summary>How GUP took its reference on a page (try_grab_folio) and how it is given back (gup_put_folio).</summary>
internal enum GupGrab
{
    /// <summary>FOLL_GET: one reference.</summary>
    Get,
    /// <summary>FOLL_PIN: GUP_PIN_COUNTING_BIAS references on a small folio; one reference and one pincount on a large one.</summary>
    Pin,
}

internal static class GupGrabExtensions
{
    /// <summary>
    /// What sanity_check_pinned_pages() accepts: a small page or a hugetlb page exclusive through its head
    /// (hugetlb keeps the flag on the head only), a THP through its head or the pinned subpage.
    /// </summary>
    public static bool IsExclusiveForPin(Page page)
    {
        var folio = page.Folio;
        if (!folio.IsLarge)
            return page.IsAnonExclusive;
        return folio.Head.IsAnonExclusive || (!folio.IsHugetlb && page.IsAnonExclusive);
    }

    /// <summary>try_grab_folio() of a page known to be referenced (the slow path, under the PT lock).</summary>
    public static void Grab(this GupGrab grab, Page page)
    {
        var folio = page.Folio;
        if (grab == GupGrab.Get)
        {
            folio.Get();
            return;
        }
        folio.RefAdd(folio.IsLarge ? 1 : Gup.PinCounting.Bias);
        if (folio.IsLarge)
            folio.AddPincount(1);
    }

    /// <summary>try_grab_folio() for GUP-fast: fails if the folio was freed meanwhile.</summary>
    public static bool TryGrab(this GupGrab grab, Page page)
    {
        var folio = page.Folio;
        int refs = grab == GupGrab.Pin && !folio.IsLarge ? Gup.PinCounting.Bias : 1;
        if (!folio.TryRefAdd(refs))
            return false;
        if (grab == GupGrab.Pin && folio.IsLarge)
            folio.AddPincount(1);
        return true;
    }

    /// <summary>
    /// gup_put_folio(); for a pin, sanity_check_pinned_pages() first (CONFIG_DEBUG_VM): a pinned anon page
    /// must still be exclusive (for a large folio: its head or the subpage).
    /// </summary>
    public static void Release(this GupGrab grab, Page page, bool tracksExclusivity)
    {
        var folio = page.Folio;
        if (grab == GupGrab.Get)
        {
            folio.Put();
            return;
        }
        // a THP is exclusive through its head (PMD-mapped) or the pinned subpage (PTE-mapped)
        if (tracksExclusivity && page.Memory.DebugVm && page.IsAnon)
            MmBug.VmOn(!IsExclusiveForPin(page), page, "unpinning an anonymous page that is not exclusive");
        if (folio.IsLarge)
        {
            folio.AddPincount(-1);
            folio.RefSub(1);
        }
        else
        {
            folio.RefSub(Gup.PinCounting.Bias);
        }
    }
}
