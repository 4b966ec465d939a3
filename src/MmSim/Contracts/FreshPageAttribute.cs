using System;

namespace MmSim.Contracts;

/// <summary>
/// The method returns a freshly allocated page or folio (<c>alloc_page</c>, <c>vma_alloc_folio</c>) that nobody else maps yet: a writable entry may be built for it before PG_anon_exclusive is set (<c>do_anonymous_page</c>, <c>wp_page_copy</c>).
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class FreshPageAttribute : Attribute
{
}
