using System;

namespace MmSim.Contracts;

/// <summary>
/// The member tests whether its page is a tail page of a compound page (PageTail): a true result proves a tail, a false result a head or small page.
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Property, Inherited = false)]
public sealed class TailPredicateAttribute : Attribute
{
}
