using System;

namespace MmSim.Contracts;

/// <summary>
/// The member tests whether its page is a KSM page (PageKsm, folio_test_ksm): a true result proves the
/// page is a KSM page, which is anonymous but never exclusive, so SetPageAnonExclusive and
/// ClearPageAnonExclusive are bugs on it (VM_BUG_ON_PGFLAGS(PageKsm(page)) in include/linux/page-flags.h).
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Property, Inherited = false)]
public sealed class KsmPredicateAttribute : Attribute
{
}
