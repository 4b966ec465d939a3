using System;

namespace MmSim.Contracts;

/// <summary>
/// The member tests PG_anon_exclusive of its page (PageAnonExclusive): a true result proves exclusivity
/// on the guarded branch.
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Property, Inherited = false)]
public sealed class ExclusivePredicateAttribute : Attribute
{
}
