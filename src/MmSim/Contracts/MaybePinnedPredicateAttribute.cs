using System;

namespace MmSim.Contracts;

/// <summary>
/// The member tests whether the folio may be pinned (<c>folio_maybe_dma_pinned</c>): a false result
/// proves that no FOLL_PIN pin exists at that moment.
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Property, Inherited = false)]
public sealed class MaybePinnedPredicateAttribute : Attribute
{
}
