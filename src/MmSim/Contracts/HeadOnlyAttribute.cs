using System;

namespace MmSim.Contracts;

/// <summary>
/// The member must be given the head page of a compound page (or a small page), never a tail
/// (PF_ONLY_HEAD, and the hugetlb head-only rule of the anon-exclusive accessors).
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Property | AttributeTargets.Parameter, Inherited = false)]
public sealed class HeadOnlyAttribute : Attribute
{
}
