using System;

namespace MmSim.Contracts;

/// <summary>
/// The member tests whether its page is anonymous (PageAnon, folio_test_anon): a true result proves
/// anon-ness on the guarded branch, a false result proves the page is not anonymous.
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Property, Inherited = false)]
public sealed class AnonPredicateAttribute : Attribute
{
}
