namespace MmSim.Analyzers.Infrastructure.Flow;

/// <summary>The contract predicates whose results refine page facts on the true and false edges of a branch.</summary>
internal enum PredicateKind
{
    None,
    Anon,
    Exclusive,
    MaybePinned,
    Ksm,
    ZeroPage,
    Tail,
    Head,
    Hugetlb,
}
