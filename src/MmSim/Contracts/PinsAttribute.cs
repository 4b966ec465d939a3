using System;

namespace MmSim.Contracts;

/// <summary>
/// The method takes FOLL_PIN pins (<c>pin_user_pages</c>, <c>try_grab_folio(FOLL_PIN)</c>) that must be
/// released with a method marked <see cref="UnpinsAttribute"/>, on the same page, exactly once.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class PinsAttribute : Attribute
{
}
