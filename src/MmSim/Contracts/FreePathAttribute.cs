using System;

namespace MmSim.Contracts;

/// <summary>
/// The method is on the path that frees a page (refcount already zero): clearing PG_anon_exclusive
/// there is legal, since no pin can exist (<c>free_pages_prepare</c>, <c>free_huge_page</c>).
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class FreePathAttribute : Attribute
{
}
