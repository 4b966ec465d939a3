using System.Collections.Generic;
using MmSim.Differential.Sequences;

namespace MmSim.Differential.Scenarios;

/// <summary>
/// folio_maybe_mapped_shared() of a PTE-mapped THP (CONFIG_MM_ID, 6.15): a write fault reuses the THP
/// (__wp_can_reuse_large_anon_folio) only while it is not "maybe mapped shared". The folio remembers two processes;
/// once a third mapped it, the flag stays set until one slot owns every mapping again, so the last process left
/// copies the page. The observation is the pagemap of the written page: "thp" while it is still part of the THP.
/// </summary>
public static class LargeFolioSharingScenarios
{
    private const string Reused = "pm present excl anon thp", Copied = "pm present excl anon";

    public static IEnumerable<Scenario> All() =>
    [
        Make("a THP shared with a child that exited is reused", [new ForkOp(0, 1), new ExitOp(1)], 0, Reused),
        Make("a THP two children mapped is reused once both exited", [new ForkOp(0, 1), new ForkOp(0, 2), new ExitOp(1), new ExitOp(2)], 0, Reused),
        Make("a THP still mapped by a grandchild is copied", [new ForkOp(0, 1), new ForkOp(1, 2), new ExitOp(2)], 0, Copied),
        Make("a THP whose third mapper outlived the first two is copied", [new ForkOp(0, 1), new ForkOp(0, 2), new ExitOp(1), new ExitOp(0)], 2, Copied),
    ];

    // a populated THP, PTE-mapped by an mprotect() of its first page, then the given forks and exits, then a write
    private static Scenario Make(string name, Op[] sharing, int writer, string expected)
    {
        var ops = new List<Op>
        {
            new MmapOp(0, 0, 512, AreaKind.Thp), new WriteOp(0, 0, 510, 1),
            new MprotectOp(0, 0, 0, 1, "r"), new MprotectOp(0, 0, 0, 1, "rw"),
        };
        ops.AddRange(sharing);
        ops.Add(new WriteOp(writer, 0, 255, 2));
        ops.Add(new PageMapOp(writer, 0, 255));
        return new Scenario($"mm ids: {name}", ops, ops.Count - 1, expected);
    }
}
