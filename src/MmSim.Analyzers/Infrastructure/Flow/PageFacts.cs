using Microsoft.CodeAnalysis;

namespace MmSim.Analyzers.Infrastructure.Flow;

/// <summary>
/// The facts kept on one local or parameter holding a page or folio. Anon, pinned, KSM and hugetlb are
/// folio-wide (PageAnon, folio_maybe_dma_pinned, PageKsm and PageHuge read the head), and so is
/// <see cref="Fresh"/> (a newly allocated folio nobody maps yet); exclusive, tail and head are per subpage.
/// <see cref="WriteSafe"/> is, per path, "not anonymous, or exclusive": what mapping writable or pinning
/// needs, kept as one fact so that a join of a file-page path and an exclusive-anon path stays proven.
/// <see cref="OwnPin"/> and <see cref="OwnReference"/> say whether this code took a FOLL_PIN pin or a
/// FOLL_GET reference on the folio and has not released it yet. <see cref="Assumption"/> is the
/// debug-only check that made an Assumed outcome, for MM0012. For a page-table entry,
/// <see cref="EntryKinds"/> is the union of the kinds (bits of PteKind values) the paths that tested the
/// entry allow, and <see cref="EntryKindsUnknown"/> says whether some path did not test it at all.
/// </summary>
internal readonly record struct PageFacts(
    Evidence Anon, Evidence Exclusive, Evidence Pinned, Evidence Ksm, Evidence OwnPin, Evidence OwnReference,
    Evidence Tail, Evidence Head, Evidence Hugetlb, Evidence Fresh, Evidence WriteSafe,
    uint EntryKinds, bool EntryKindsUnknown, IOperation? Assumption)
{
    public static PageFacts Unknown { get; } =
        new(Evidence.Unknown, Evidence.Unknown, Evidence.Unknown, Evidence.Unknown, Evidence.Unknown, Evidence.Unknown,
            Evidence.Unknown, Evidence.Unknown, Evidence.Unknown, Evidence.Unknown, Evidence.Unknown, 0, true, null);

    /// <summary>The entry is one of <paramref name="kinds"/> on every path that reaches here.</summary>
    public PageFacts WithEntryKindsWithin(uint kinds) =>
        this with { EntryKinds = (EntryKinds | (EntryKindsUnknown ? uint.MaxValue : 0)) & kinds, EntryKindsUnknown = false };

    /// <summary>The facts that hold for another page of the same folio: everything but exclusivity and head / tail.</summary>
    public PageFacts FolioWide => this with { Exclusive = Evidence.Unknown, Tail = Evidence.Unknown, Head = Evidence.Unknown, WriteSafe = Evidence.Unknown };

    public PageFacts Join(PageFacts other) =>
        new(Anon | other.Anon, Exclusive | other.Exclusive, Pinned | other.Pinned, Ksm | other.Ksm,
            OwnPin | other.OwnPin, OwnReference | other.OwnReference,
            Tail | other.Tail, Head | other.Head, Hugetlb | other.Hugetlb, Fresh | other.Fresh, WriteSafe | other.WriteSafe,
            EntryKinds | other.EntryKinds, EntryKindsUnknown || other.EntryKindsUnknown, Assumption ?? other.Assumption);
}
