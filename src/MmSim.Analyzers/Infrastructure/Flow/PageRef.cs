using Microsoft.CodeAnalysis;

namespace MmSim.Analyzers.Infrastructure.Flow;

/// <summary>
/// An expression traced to the local or parameter it reads. <see cref="SameSubpage"/> is false when the
/// expression reaches another page of the same folio (<c>page.CompoundHead</c>, <c>page.Folio</c>,
/// <c>folio.Head</c>), where only folio-wide facts carry over.
/// </summary>
internal readonly record struct PageRef(ISymbol Symbol, bool SameSubpage);
