using System;

namespace MmSim.Contracts;

/// <summary>
/// The method drops the page-table lock (<c>pte_unmap_unlock</c>, <c>spin_unlock(ptl)</c>).
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class ReleasesPageTableLockAttribute : Attribute
{
}
