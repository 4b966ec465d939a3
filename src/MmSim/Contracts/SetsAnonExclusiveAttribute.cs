using System;

namespace MmSim.Contracts;

/// <summary>
/// The method makes its page exclusive (<c>SetPageAnonExclusive</c>, <c>page_move_anon_rmap</c>, <c>page_add_anon_rmap(RMAP_EXCLUSIVE)</c>): afterwards the page is known to be exclusive.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class SetsAnonExclusiveAttribute : Attribute
{
}
