using System;

namespace MmSim.Contracts;

/// <summary>
/// The member tests whether its page is the shared zero page (is_zero_pfn, is_zero_page): a true result
/// proves the page is not anonymous, so PageAnonExclusive must not be asked of it (the zero page is
/// skipped by sanity_check_pinned_pages in mm/gup.c for that reason).
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Property, Inherited = false)]
public sealed class ZeroPagePredicateAttribute : Attribute
{
}
