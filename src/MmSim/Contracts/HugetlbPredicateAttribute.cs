using System;

namespace MmSim.Contracts;

/// <summary>
/// The member tests whether its page belongs to a hugetlb folio (PageHuge): hugetlb keeps PG_anon_exclusive on the head only, so the anon-exclusive accessors must not be used on its tails (VM_BUG_ON_PGFLAGS(PageHuge(page) &amp;&amp; !PageHead(page))).
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Property, Inherited = false)]
public sealed class HugetlbPredicateAttribute : Attribute
{
}
