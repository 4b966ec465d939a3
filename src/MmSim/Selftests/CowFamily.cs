using System;

namespace MmSim.Selftests;

/// <summary>
/// One test family of tools/testing/selftests/mm/cow.c: what it does to the prepared memory, and
/// what each kernel generation did (cow-selftest.md, "Expected outcomes before / after the fixes").
/// </summary>
internal sealed class CowFamily
{
    public CowFamily(string name, CowFamilyScope scope, Func<CowContext, (bool Passed, string Detail)> run, Func<CowSemantics, MemoryKind, SelftestResult> expected,
        string? absentBefore = null)
    {
        Name = name;
        Scope = scope;
        Run = run;
        Expected = expected;
        AbsentBefore = absentBefore;
    }

    /// <summary>The name cow.c prints.</summary>
    public string Name { get; }

    /// <summary>The memory kinds the family runs on.</summary>
    public CowFamilyScope Scope { get; }

    /// <summary>
    /// The feature the family needs, if the older generations lack it (the kernel of that era returns
    /// EINVAL and the test skips: "n/a" in the history table); null if every generation has it.
    /// </summary>
    public string? AbsentBefore { get; }

    /// <summary>Whether <paramref name="semantics"/> predates the feature the family needs.</summary>
    public bool IsAbsentIn(CowSemantics semantics) => AbsentBefore is not null && semantics != CowSemantics.AnonExclusive;

    public Func<CowContext, (bool Passed, string Detail)> Run { get; }

    public Func<CowSemantics, MemoryKind, SelftestResult> Expected { get; }
}

/// <summary>Which of cow.c's test-case tables a family belongs to, and so which kinds it runs on.</summary>
internal enum CowFamilyScope
{
    /// <summary>anon_test_cases: every anonymous kind.</summary>
    Anon,
    /// <summary>anon_thp_test_cases: the PMD-sized THP only (do_run_with_thp(THP_RUN_PMD)).</summary>
    AnonThp,
    /// <summary>non_anon_test_cases: pages COW-shared without fork.</summary>
    NonAnon,
}

/// <summary>What a family gets to work with: a machine, a process, and the prepared range.</summary>
internal sealed record CowContext(Machine Machine, Process Process, MemoryKind Kind, ulong Mem, ulong SharedView)
{
    public int Size => Kind.Size;

    public MemoryImage Snapshot(Process process, ulong address) => MemoryImage.Of(process, address, Size);
}
