using System.Collections.Generic;
using System.Linq;
using MmSim.Differential.Sequences;

namespace MmSim.Differential.Scenarios;

/// <summary>
/// tools/testing/selftests/mm/gup_longterm.c's io_uring column as sequences: registering a fixed buffer
/// (FOLL_WRITE | FOLL_PIN | FOLL_LONGTERM) succeeds on anonymous and shmem memory, private or shared,
/// populated or not, and fails with EFAULT where the mapping is read-only.
/// </summary>
public static class GupLongtermScenarios
{
    public static IEnumerable<Scenario> All() =>
        from kind in new[] { AreaKind.Anon, AreaKind.Shared, AreaKind.Memfd, AreaKind.ShMemfd }
        from populated in new[] { false, true }
        from writable in new[] { true, false }
        select Make(kind, populated, writable);

    private static Scenario Make(AreaKind kind, bool populated, bool writable)
    {
        var ops = new List<Op> { new MmapOp(0, 0, 4, kind) };
        if (populated)
            ops.Add(new WriteOp(0, 0, 1, 7));
        if (!writable)
            ops.Add(new MprotectOp(0, 0, 0, 4, "r"));
        ops.Add(new PinOp(0, 0, 0, 4, 0));
        int step = ops.Count - 1;
        ops.Add(new PinReadOp(0, 1));
        ops.Add(new UnpinOp(0));
        string name = $"io_uring fixed buffer on {(writable ? "R/W" : "R/O")} {(populated ? "populated" : "unpopulated")} {kind.ToString().ToLowerInvariant()}";
        return new Scenario(name, ops, step, writable ? "ok" : "err 14");
    }
}
