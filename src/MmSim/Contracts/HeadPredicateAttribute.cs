using System;

namespace MmSim.Contracts;

/// <summary>
/// The member tests whether its page is the head of a large folio (PageHead): a true result proves a head, a false result a tail or a small page.
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Property, Inherited = false)]
public sealed class HeadPredicateAttribute : Attribute
{
}
