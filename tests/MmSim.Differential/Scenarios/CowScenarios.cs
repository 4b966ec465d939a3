using System;
using System.Collections.Generic;
using System.Linq;
using MmSim.Differential.Sequences;

namespace MmSim.Differential.Scenarios;

/// <summary>
/// tools/testing/selftests/mm/cow.c as sequences: the anonymous families the driver can express (fork COW,
/// vmsplice, io_uring fixed buffers) over the memory kinds this machine has (base page, THP, PTE-mapped THP,
/// single PTE of a THP, partially mremap()'ed THP, partially shared THP), and the THP collapse family; and, with the
/// pools that <see cref="Execution.KernelHugetlbPool"/> sets up, the two hugetlb kinds. The R/O GUP pin families need
/// CONFIG_GUP_TEST and the swapped kinds swap: this machine has neither.
/// </summary>
public static class CowScenarios
{
    private const int Original = 1, Modified = 2, Pinned = 3;

    /// <summary>A memory kind: the steps that prepare area 0 of process 0, and the pages of it that stay mapped.</summary>
    private sealed record Kind(string Name, Op[] Prologue, int MappedPages)
    {
        /// <summary>hugetlb: reuse by mapcount, so a pipe's reference sees a later write (cow.c's XFAIL, 7dad331be781).</summary>
        public bool Hugetlb => Prologue[0] is MmapOp { Kind: AreaKind.Hugetlb or AreaKind.Hugetlb1G };
    }

    private static readonly Kind[] Kinds =
    [
        new("base page", [new MmapOp(0, 0, 1, AreaKind.Anon), new WriteOp(0, 0, 0, Original)], 1),
        new("THP", ThpPopulated(), 512),
        new("PTE-mapped THP", [.. ThpPopulated(), new MprotectOp(0, 0, 1, 1, "r"), new MprotectOp(0, 0, 1, 1, "rw")], 512),
        // cow.c's mremap() to a single page: PTE-map the THP, then drop all but its first page
        new("single PTE of THP", [.. ThpPopulated(), new MprotectOp(0, 0, 1, 1, "r"), new MunmapOp(0, 0, 1, 511)], 1),
        // half of the THP moves elsewhere; the test runs on the half that stays
        new("partially mremap()'ed THP", [.. ThpPopulated(), new MremapOp(0, 0, 256, 256, 1)], 256),
        // the first page was shared with a child that exited; the rest never was
        new("partially shared THP",
        [
            .. ThpPopulated(), new MadviseOp(0, 0, 1, 511, "dontfork"), new ForkOp(0, 9), new ExitOp(9),
            new MadviseOp(0, 0, 1, 511, "dofork"),
        ], 512),
    ];

    /// <summary>"hugetlb (2048 kB)" and "hugetlb (1048576 kB)": one private huge page, its first page written.</summary>
    private static readonly Kind[] HugetlbKinds =
    [
        new("hugetlb (2048 kB)", [new MmapOp(0, 0, AreaKind.Hugetlb.HugePages(), AreaKind.Hugetlb), new WriteOp(0, 0, 0, Original)], AreaKind.Hugetlb.HugePages()),
        new("hugetlb (1048576 kB)", [new MmapOp(0, 0, AreaKind.Hugetlb1G.HugePages(), AreaKind.Hugetlb1G), new WriteOp(0, 0, 0, Original)], AreaKind.Hugetlb1G.HugePages()),
    ];

    /// <summary>
    /// The families on the hugetlb kinds, and an mremap() move of each (5.16 and later move hugetlb pages whole,
    /// exclusive still); they need the pools of <see cref="Execution.KernelHugetlbPool"/> on the kernel side.
    /// </summary>
    public static IEnumerable<Scenario> Hugetlb() => HugetlbKinds.SelectMany(Families).Concat(HugetlbKinds.Select(kind =>
    {
        Op[] ops = [.. kind.Prologue, new MremapOp(0, 0, 0, kind.MappedPages, 1), new ReadOp(0, 1, 0), new PageMapOp(0, 1, 0)];
        return new Scenario($"mremap() move of {kind.Name}", ops, ops.Length - 1, "pm present excl anon huge");
    })).Append(SharedHugetlbAfterFork());

    /// <summary>MAP_SHARED | MAP_ANONYMOUS | MAP_HUGETLB: parent and child share the page (a hugetlbfs file's) both ways.</summary>
    private static Scenario SharedHugetlbAfterFork()
    {
        Op[] ops =
        [
            new MmapOp(0, 0, 512, AreaKind.SharedHugetlb), new WriteOp(0, 0, 0, Original), new ForkOp(0, 1),
            new WriteOp(1, 0, 3, Modified), new ReadOp(0, 0, 3), new PageMapOp(0, 0, 3), new SameOp(0, 0, 3, 1, 0, 3),
        ];
        return new Scenario("shared hugetlb (2048 kB) after fork()", ops, 4, "v 2");
    }

    // MADV_HUGEPAGE area, populated by writes to pages the tests use and to the rest of the first PMD
    private static Op[] ThpPopulated() =>
        [new MmapOp(0, 0, 512, AreaKind.Thp), .. new[] { 0, 1, 255, 256, 511 }.Select(p => (Op)new WriteOp(0, 0, p, Original))];

    public static IEnumerable<Scenario> All() =>
        (from kind in Kinds
         from family in Families(kind)
         select family).Concat(Collapse());

    /// <summary>
    /// test_anon_thp_collapse(): a PTE-mapped THP collapsed before or after fork(), fully or partly shared; the
    /// child must keep seeing the old data. Linux 6.18 collapses even the fully shared case (every entry R/O
    /// after fork), by copying; kernels of 2023 refused it with SCAN_PAGE_RO and cow.c skipped.
    /// </summary>
    private static IEnumerable<Scenario> Collapse()
    {
        Op[] pteMapped = [.. ThpPopulated(), new MprotectOp(0, 0, 1, 1, "r"), new MprotectOp(0, 0, 1, 1, "rw")];
        Op Collapse() => new MadviseOp(0, 0, 0, 512, "collapse");
        Scenario Make(string name, int page, params Op[] steps)
        {
            Op[] ops = [.. pteMapped, .. steps, new WriteOp(0, 0, page, Modified), new ReadOp(1, 0, page)];
            return new Scenario($"Basic COW after fork() when collapsing {name} with THP", ops, ops.Length - 1, "v 1");
        }
        yield return Make("before fork()", 0, Collapse(), new ForkOp(0, 1), new ReadOp(1, 0, 0));
        yield return Make("after fork() (fully shared)", 0, new ForkOp(0, 1), new ReadOp(1, 0, 0), Collapse());
        yield return Make("after fork() (lower shared)", 0,
            new MadviseOp(0, 0, 256, 256, "dontfork"), new ForkOp(0, 1), new ReadOp(1, 0, 0), new MadviseOp(0, 0, 0, 512, "dofork"), Collapse());
        yield return Make("after fork() (upper shared)", 256,
            new MadviseOp(0, 0, 0, 256, "dontfork"), new ForkOp(0, 1), new ReadOp(1, 0, 256), new MadviseOp(0, 0, 0, 512, "dofork"), Collapse());
    }

    private static IEnumerable<Scenario> Families(Kind kind)
    {
        Scenario Make(string family, Op[] body, Func<Op[], int> step, string expected)
        {
            var ops = kind.Prologue.Concat(body).ToArray();
            return new Scenario($"{family} with {kind.Name}", ops, step(ops), expected);
        }
        int Last(Op[] ops) => ops.Length - 1;
        var unmapChild = new MunmapOp(1, 0, 0, kind.MappedPages);
        var unmapParent = new MunmapOp(0, 0, 0, kind.MappedPages);
        var childMprotect = new Op[] { new MprotectOp(1, 0, 0, kind.MappedPages, "r"), new MprotectOp(1, 0, 0, kind.MappedPages, "rw") };
        string vmspliced = kind.Hugetlb ? "v 2" : "v 1"; // hugetlb leaks: the kernel's own expected failure

        // test_cow_in_parent(): the child's write must not reach the parent
        yield return Make("Basic COW after fork()",
            [new ForkOp(0, 1), new WriteOp(1, 0, 0, Modified), new ReadOp(0, 0, 0)], Last, "v 1");
        yield return Make("Basic COW after fork() with mprotect() optimization",
            [new ForkOp(0, 1), .. childMprotect, new WriteOp(1, 0, 0, Modified), new ReadOp(0, 0, 0)], Last, "v 1");
        // test_vmsplice_in_child(): "Leak from parent into child" if the pipe shows the parent's later write
        yield return Make("vmsplice() + unmap in child",
            [new ForkOp(0, 1), new VmspliceOp(1, 0, 0, 1, 0), unmapChild, new WriteOp(0, 0, 0, Modified), new DrainOp(0)], Last, vmspliced);
        yield return Make("vmsplice() + unmap in child with mprotect() optimization",
            [new ForkOp(0, 1), .. childMprotect, new VmspliceOp(1, 0, 0, 1, 0), unmapChild, new WriteOp(0, 0, 0, Modified), new DrainOp(0)], Last, vmspliced);
        // test_vmsplice_in_parent(): "Leak from child into parent" if the pipe shows the child's write
        yield return Make("vmsplice() before fork(), unmap in parent after fork()",
            [new VmspliceOp(0, 0, 0, 1, 0), new ForkOp(0, 1), unmapParent, new WriteOp(1, 0, 0, Modified), new DrainOp(0)], Last, vmspliced);
        yield return Make("vmsplice() + unmap in parent after fork()",
            [new ForkOp(0, 1), new VmspliceOp(0, 0, 0, 1, 0), unmapParent, new WriteOp(1, 0, 0, Modified), new DrainOp(0)], Last, vmspliced);
        // test_iouring(): the fixed buffer must keep seeing what the process writes
        yield return Make("R/O-mapping a page registered as iouring fixed buffer",
            [new PinOp(0, 0, 0, 1, 0), new MprotectOp(0, 0, 0, kind.MappedPages, "r"), new MprotectOp(0, 0, 0, kind.MappedPages, "rw"),
             new WriteOp(0, 0, 0, Pinned), new PinReadOp(0, 0)], Last, "v 3");
        yield return Make("fork() with an iouring fixed buffer",
            [new PinOp(0, 0, 0, 1, 0), new ForkOp(0, 1), new ExitOp(1), new WriteOp(0, 0, 0, Pinned), new PinReadOp(0, 0)], Last, "v 3");
    }
}
