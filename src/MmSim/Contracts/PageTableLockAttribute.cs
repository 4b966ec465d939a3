using System;

namespace MmSim.Contracts;

/// <summary>
/// The member returns the page-table lock object of an entry (<c>pte_lockptr</c>, <c>pmd_lockptr</c>): <c>lock (pageTable.PtLock(slot))</c> holds the PT lock for the statement's body, and <c>Monitor.Enter</c> / <c>Monitor.Exit</c> on it take and drop it.
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Property, Inherited = false)]
public sealed class PageTableLockAttribute : Attribute
{
}
