using System;

namespace MmSim.Contracts;

/// <summary>
/// The method must be called with the page-table lock held that protects the entry mapping the page:
/// the PT lock is the primary synchronisation for PG_anon_exclusive (78fbe906cc90).
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class RequiresPageTableLockAttribute : Attribute
{
}
