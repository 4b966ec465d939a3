using System;

namespace MmSim.Contracts;

/// <summary>
/// The method makes the entry that maps its page writable (<c>pte_mkwrite</c>, <c>maybe_mkwrite</c>, <c>wp_page_reuse</c>). For an anonymous page that is legal only once the page is proven exclusive (invariant I1: writable anon mapping implies PG_anon_exclusive), or is freshly allocated; deciding it from mapcount or dirtiness is the bug of 5535be309971 (CVE-2022-2590).
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class GrantsWriteAttribute : Attribute
{
}
