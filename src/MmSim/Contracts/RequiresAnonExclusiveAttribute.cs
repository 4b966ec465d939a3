using System;

namespace MmSim.Contracts;

/// <summary>
/// The method must be called with an exclusive anonymous page (its receiver, or its page parameter):
/// <c>page_try_share_anon_rmap</c> asserts VM_BUG_ON_PAGE(!PageAnonExclusive(page)), and the
/// __split_huge_pmd_locked follow-up to 6c287605fd56 had to add the missing <c>anon_exclusive &amp;&amp;</c> test
/// before calling it. A caller must prove exclusivity with an always-on test, not a debug-only check.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class RequiresAnonExclusiveAttribute : Attribute
{
}
