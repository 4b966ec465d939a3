using System;
using System.Collections.Generic;
using System.Linq;

namespace MmSim.Selftests;

/// <summary>
/// The kernel's COW selftest (tools/testing/selftests/mm/cow.c) on the simulator: every family on
/// every memory kind the machine models, each case on a fresh machine of the chosen generation, with
/// the machine's invariants checked after the case and after every process and pin is gone.
/// </summary>
public static class CowSelftest
{
    private static readonly MemoryKind[] AnonKinds =
    [
        MemoryKind.BasePage, MemoryKind.SwappedBasePage, MemoryKind.Thp, MemoryKind.SwappedThp, MemoryKind.PteMappedThp,
        MemoryKind.SwappedPteMappedThp, MemoryKind.SinglePteOfThp, MemoryKind.SinglePteOfSwappedThp,
        MemoryKind.PartiallyMremappedThp, MemoryKind.PartiallySharedThp, MemoryKind.HugetlbPage, MemoryKind.GiganticHugetlbPage,
        MemoryKind.KsmPage,
    ];
    private static readonly MemoryKind[] ThpKinds = [MemoryKind.Thp];
    private static readonly MemoryKind[] NonAnonKinds = [MemoryKind.SharedZeropage, MemoryKind.Memfd, MemoryKind.Tmpfile, MemoryKind.HugeZeropage, MemoryKind.MemfdHugetlb,
        MemoryKind.MemfdGiganticHugetlb];

    /// <summary>Memory kinds, as cow.c names them.</summary>
    public static IReadOnlyList<string> Kinds { get; } = AnonKinds.Concat(NonAnonKinds).Select(k => k.Name).ToArray();

    /// <summary>Test families, as cow.c names them.</summary>
    public static IReadOnlyList<string> Families { get; } = CowFamilies.All.Select(f => f.Name).ToArray();

    /// <summary>
    /// Runs the matrix under <paramref name="semantics"/>; <paramref name="only"/> keeps the cases whose
    /// family or kind contains it (case-insensitive).
    /// </summary>
    public static IReadOnlyList<CowCaseResult> Run(CowSemantics semantics, string? only = null)
    {
        var results = new List<CowCaseResult>();
        foreach (var family in CowFamilies.All)
        {
            foreach (var kind in KindsOf(family.Scope))
            {
                if (only is not null && !family.Name.Contains(only, StringComparison.OrdinalIgnoreCase) &&
                    !kind.Name.Contains(only, StringComparison.OrdinalIgnoreCase))
                    continue;
                results.Add(RunCase(family, kind, semantics));
            }
        }
        return results;
    }

    private static MemoryKind[] KindsOf(CowFamilyScope scope) => scope switch
    {
        CowFamilyScope.Anon => AnonKinds,
        CowFamilyScope.AnonThp => ThpKinds,
        _ => NonAnonKinds,
    };

    private static CowCaseResult RunCase(CowFamily family, MemoryKind kind, CowSemantics semantics)
    {
        if (family.IsAbsentIn(semantics))
            return new CowCaseResult(family.Name, kind.Name, semantics, SelftestResult.Skip, SelftestResult.Skip, $"n/a: {family.AbsentBefore} postdates this generation");
        var expected = family.Expected(semantics, kind);
        using var machine = new Machine(new MachineOptions
        {
            // a 1 GiB kind gets two 1 GiB pages (the tested one and a copy) above the lowest GiB, which holds the zero page
            MemoryBytes = kind.Gigantic ? 3L << 30 : 32L << 20, SwapBytes = 16L << 20,
            HugetlbPoolBytes = kind.Gigantic ? [8L << 20, 2L << 30] : [8L << 20], Semantics = semantics, DebugVm = true,
        });
        long freeBefore = machine.Stats.FreePages;
        var process = machine.CreateProcess();
        (bool passed, string detail) outcome;
        try
        {
            var (mem, view) = kind.SetUp(process);
            outcome = family.Run(new CowContext(machine, process, kind, mem, view));
            machine.CheckInvariants();
            process.Exit();
            machine.CheckInvariants();
            var stats = machine.Stats;
            if (stats.HugetlbFreePages != stats.HugetlbTotalPages - HugetlbFilePages(machine))
                outcome = (false, $"leak after exit: {stats.HugetlbTotalPages - stats.HugetlbFreePages} hugetlb frames still in use");
            else if (stats.AnonPages != 0 || stats.PinnedPages != 0)
                outcome = (false, $"leak after exit: {stats.AnonPages} anon pages, {stats.PinnedPages} pinned pages");
            else if (stats.FreePages + stats.FileCachePages + HugeZeroPages(machine) != freeBefore)
                outcome = (false, $"leak after exit: {freeBefore - stats.FreePages - stats.FileCachePages - HugeZeroPages(machine)} frames not returned");
            else if (stats.SwapUsedPages != 0)
                outcome = (false, $"leak after exit: {stats.SwapUsedPages} swap slots in use");
        }
        catch (SelftestSkipException skip)
        {
            // the kernel's table allows these cells to skip for environmental reasons
            return new CowCaseResult(family.Name, kind.Name, semantics, SelftestResult.Skip, expected, skip.Message);
        }
        catch (Exception error) when (error is MmException or MmInvariantException or Diagnostics.MmBugException)
        {
            outcome = (false, $"{error.GetType().Name}: {error.Message}");
        }
        // ksft_test_result_xfail(): a failure the kernel expects is reported as such
        var result = outcome.passed ? SelftestResult.Pass : expected == SelftestResult.XFail ? SelftestResult.XFail : SelftestResult.Fail;
        return new CowCaseResult(family.Name, kind.Name, semantics, result, expected, outcome.detail);
    }

    /// <summary>Frames of the huge zero folio, which stays allocated once a read fault needed it, as the kernel's does.</summary>
    private static long HugeZeroPages(Machine machine) => machine.HugeZeroPageIfAllocated is { } zero ? zero.NrPages : 0;

    /// <summary>Frames of hugetlb pages that hugetlb memfds keep in their page cache.</summary>
    private static long HugetlbFilePages(Machine machine)
    {
        long pages = 0;
        foreach (var file in machine.Files())
        {
            if (file.IsHugetlb)
                pages += (long)file.CachedPages * file.Hstate!.NrPages;
        }
        return pages;
    }
}
