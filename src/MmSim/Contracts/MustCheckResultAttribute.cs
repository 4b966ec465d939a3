using System;

namespace MmSim.Contracts;

/// <summary>
/// The result of the method reports a failure that the caller must handle (branch on it, return it,
/// or store it); ignoring it is the bug class behind 7f5abe609b3d.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class MustCheckResultAttribute : Attribute
{
}
