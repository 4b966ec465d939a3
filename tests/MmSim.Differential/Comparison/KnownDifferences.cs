using System;
using System.Collections.Generic;
using MmSim.Differential.Sequences;

namespace MmSim.Differential.Comparison;

/// <summary>
/// A way the simulator and the running kernel may differ, by name, with the reason.
/// <see cref="Explains"/> sees the steps up to and including the differing one and both observations of it.
/// </summary>
public sealed record KnownDifference(string Name, string Reason, Func<IReadOnlyList<Op>, string, string, bool> Explains);

/// <summary>The one list of known differences between MmSim and this machine's kernel.</summary>
public static class KnownDifferences
{
    /// <summary>
    /// do_fault_around() maps the page-cache pages around a read fault of a file or shared mapping. The kernel
    /// does so only for pages it finds ready at that moment: the same sequence run twice on this machine
    /// (6.18) shows a neighbour a fault of another process created mapped in one run and not in the next.
    /// The simulator always maps them. Only presence (and with it the mapcount behind PM_MMAP_EXCLUSIVE)
    /// of page-cache pages can differ this way, never contents.
    /// </summary>
    public static readonly KnownDifference FaultAroundRace = new(
        "FaultAroundRace",
        "the kernel's fault-around maps a cached neighbour or not depending on timing; the simulator always does",
        (ops, kernel, simulator) => ops[^1] switch
        {
            PageMapOp p => IsFileBacked(ops, p.P, p.Area) && IsPageCacheState(kernel) && IsPageCacheState(simulator),
            SameOp s => (IsFileBacked(ops, s.P, s.Area) || IsFileBacked(ops, s.Q, s.OtherArea)) && kernel.StartsWith("same ", StringComparison.Ordinal),
            _ => false,
        });

    public static readonly IReadOnlyList<KnownDifference> All = [FaultAroundRace];

    // Observations of a page-cache page: mapped (exclusively or not) or not mapped; never anonymous.
    private static bool IsPageCacheState(string observation) => observation is "pm none" or "pm present" or "pm present excl";

    // Whether the area p names was made by an mmap of a shared or memfd kind, as the sequence so far left it.
    private static bool IsFileBacked(IReadOnlyList<Op> ops, int p, int area)
    {
        var world = new World();
        foreach (var op in ops)
            world.TryApply(op);
        return world.KindOf(p, area) is AreaKind.Shared or AreaKind.Memfd or AreaKind.ShMemfd;
    }
}
