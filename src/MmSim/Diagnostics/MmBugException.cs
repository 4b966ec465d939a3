using System;

namespace MmSim.Diagnostics;

/// <summary>
/// A violated kernel assertion (BUG_ON, VM_BUG_ON_PAGE, VM_BUG_ON_PGFLAGS, bad_page). The message
/// carries the reason and, when a page is involved, its dump in the shape of <c>dump_page()</c>.
/// The check runs before the faulty operation changes anything, so the machine stays consistent.
/// </summary>
public sealed class MmBugException : Exception
{
    public MmBugException(string reason, long? pfn, string dump)
        : base(dump.Length == 0 ? $"kernel BUG: {reason}" : $"kernel BUG: {reason}{Environment.NewLine}{dump}")
    {
        Reason = reason;
        Pfn = pfn;
        Dump = dump;
    }

    /// <summary>The rule that was broken.</summary>
    public string Reason { get; }

    /// <summary>The frame involved, if any.</summary>
    public long? Pfn { get; }

    /// <summary>The page dump (empty when no page is involved).</summary>
    public string Dump { get; }
}
