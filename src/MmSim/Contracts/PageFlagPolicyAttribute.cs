using System;
using MmSim.PageFlags;

namespace MmSim.Contracts;

/// <summary>
/// The compound policy of a page-flag descriptor (the PF_* argument of its <c>PAGEFLAG()</c> line in
/// include/linux/page-flags.h), so that analyzers can check at compile time what the runtime checks on
/// every access: PF_ONLY_HEAD never through a tail, PF_NO_TAIL and PF_NO_COMPOUND not modified through a
/// tail or compound page, PF_SECOND only through the head of a large folio.
/// </summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property, Inherited = false)]
public sealed class PageFlagPolicyAttribute : Attribute
{
    public PageFlagPolicyAttribute(FlagPolicy policy)
    {
        Policy = policy;
    }

    /// <summary>The policy.</summary>
    public FlagPolicy Policy { get; }
}
