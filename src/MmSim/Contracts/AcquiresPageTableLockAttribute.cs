using System;

namespace MmSim.Contracts;

/// <summary>
/// The method returns with the page-table lock held (<c>pte_offset_map_lock</c>, <c>pmd_lock</c>).
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class AcquiresPageTableLockAttribute : Attribute
{
}
