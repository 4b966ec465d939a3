using System;

namespace MmSim.Contracts;

/// <summary>
/// The method takes FOLL_GET references (<c>get_page</c>, <c>folio_get</c>, <c>get_user_pages</c>) that
/// must be released with a method marked <see cref="PutsReferenceAttribute"/>, never with an unpin.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class GetsReferenceAttribute : Attribute
{
}
