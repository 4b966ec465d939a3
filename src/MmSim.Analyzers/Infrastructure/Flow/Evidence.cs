using System;

namespace MmSim.Analyzers.Infrastructure.Flow;

/// <summary>
/// What the paths reaching a point say about one yes/no property of a page: the set of outcomes seen,
/// merged by union at joins. <see cref="Unknown"/> is a path with no evidence; the Assumed outcomes come
/// from debug-only checks (VM_BUG_ON), which vanish in production builds.
/// </summary>
[Flags]
internal enum Evidence : byte
{
    None = 0,
    Unknown = 1,
    Yes = 2,
    No = 4,
    AssumedYes = 8,
    AssumedNo = 16,
}

internal static class EvidenceExtensions
{
    /// <summary>Some path proves or assumes yes.</summary>
    public static bool MayBeYes(this Evidence evidence) => (evidence & (Evidence.Yes | Evidence.AssumedYes)) != 0;

    /// <summary>Some path proves or assumes no.</summary>
    public static bool MayBeNo(this Evidence evidence) => (evidence & (Evidence.No | Evidence.AssumedNo)) != 0;

    /// <summary>Every path proves yes with an always-on test.</summary>
    public static bool IsProvenYes(this Evidence evidence) => evidence == Evidence.Yes;

    /// <summary>
    /// The outcome a check leaves: a real test proves <paramref name="value"/>; a debug-only one only assumes
    /// it, unless every path had already proven it.
    /// </summary>
    public static Evidence Refine(this Evidence current, bool value, bool assumed)
    {
        var proven = value ? Evidence.Yes : Evidence.No;
        if (!assumed || current == proven)
            return proven;
        return value ? Evidence.AssumedYes : Evidence.AssumedNo;
    }
}
