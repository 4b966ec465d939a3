using System;

namespace MmSim.Contracts;

/// <summary>
/// The method is one of the kernel's sanctioned places to drop exclusivity after checking for pins
/// (<c>page_try_dup_anon_rmap</c>, <c>page_try_share_anon_rmap</c>): it may clear PG_anon_exclusive,
/// and its result says whether it did; a caller must act on a failure.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class AnonExclusiveHelperAttribute : Attribute
{
}
