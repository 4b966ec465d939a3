using System;

namespace MmSim.Contracts;

/// <summary>
/// The method releases FOLL_PIN pins (<c>unpin_user_page</c>, <c>gup_put_folio(FOLL_PIN)</c>).
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class UnpinsAttribute : Attribute
{
}
