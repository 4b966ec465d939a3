using System;

namespace MmSim.Contracts;

/// <summary>
/// The method drops a reference (<c>put_page</c>, <c>folio_put</c>); the last one frees the folio.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class PutsReferenceAttribute : Attribute
{
}
