using System;
using System.Collections.Generic;
using System.Linq;

namespace MmSim.Selftests;

/// <summary>
/// tools/testing/selftests/mm/gup_longterm.c on the simulator: may a long-term pin land in a file mapping?
/// R/W and R/O pins, GUP and GUP-fast, in MAP_SHARED and MAP_PRIVATE mappings of a memfd (tmpfs), a file on
/// a disk file system ("local tmpfile") and a hugetlb memfd. A pin should work in a private mapping, for
/// R/O, or on tmpfs / hugetlbfs; since 6.5 a R/W pin of a shared mapping of any other file system fails
/// (EFAULT). Each case passes if the pin did what it should.
/// </summary>
public static class GupLongtermSelftest
{
    private sealed record Kind(string Name, Func<Machine, SimFile> Create, bool TmpfsOrHugetlbfs, int Size)
    {
        /// <summary>The kind needs a machine with 1 GiB hugetlb pages.</summary>
        public bool Gigantic => Size == MemoryKind.GigSize;
    }

    private sealed record Family(string Name, bool Write, bool Shared, bool Fast);

    private static readonly Kind[] Kinds =
    [
        new("memfd", m => m.CreateMemfd("memfd", Machine.PageSize), true, Machine.PageSize),
        new("local tmpfile", m => m.CreateFile("tmpfile", new byte[Machine.PageSize]), false, Machine.PageSize),
        new("memfd hugetlb (2048 kB)", m => m.CreateMemfd("hugetlb", 2 << 20, hugetlb: true), true, 2 << 20),
        new("memfd hugetlb (1048576 kB)", m => m.CreateMemfd("hugetlb", MemoryKind.GigSize, hugetlb1G: true), true, MemoryKind.GigSize),
    ];

    private static readonly Family[] Families =
    [
        new("R/W longterm GUP pin in MAP_SHARED file mapping", true, true, false),
        new("R/W longterm GUP-fast pin in MAP_SHARED file mapping", true, true, true),
        new("R/O longterm GUP pin in MAP_SHARED file mapping", false, true, false),
        new("R/O longterm GUP-fast pin in MAP_SHARED file mapping", false, true, true),
        new("R/W longterm GUP pin in MAP_PRIVATE file mapping", true, false, false),
        new("R/W longterm GUP-fast pin in MAP_PRIVATE file mapping", true, false, true),
        new("R/O longterm GUP pin in MAP_PRIVATE file mapping", false, false, false),
        new("R/O longterm GUP-fast pin in MAP_PRIVATE file mapping", false, false, true),
    ];

    /// <summary>Runs every family on every kind; <paramref name="only"/> filters as <see cref="CowSelftest.Run"/> does.</summary>
    public static IReadOnlyList<CowCaseResult> Run(CowSemantics semantics, string? only = null)
    {
        var results = new List<CowCaseResult>();
        foreach (var family in Families)
        {
            foreach (var kind in Kinds)
            {
                if (only is not null && !family.Name.Contains(only, StringComparison.OrdinalIgnoreCase) && !kind.Name.Contains(only, StringComparison.OrdinalIgnoreCase))
                    continue;
                results.Add(RunCase(family, kind, semantics));
            }
        }
        return results;
    }

    private static CowCaseResult RunCase(Family family, Kind kind, CowSemantics semantics)
    {
        bool shouldWork = !family.Shared || !family.Write || kind.TmpfsOrHugetlbfs;
        // before 8ac268436e6d (6.5) nothing refused such pins: the R/W shared pins of a disk file "worked"
        var expected = shouldWork || semantics == CowSemantics.AnonExclusive ? SelftestResult.Pass : SelftestResult.Fail;
        using var machine = new Machine(new MachineOptions
        {
            // two huge pages (the file's and a private copy); 1 GiB ones lie above the lowest GiB, which holds the zero page
            MemoryBytes = kind.Gigantic ? 3L << 30 : 32L << 20,
            HugetlbPoolBytes = kind.Gigantic ? [4L << 20, 2L << 30] : [4L << 20], Semantics = semantics, DebugVm = true,
        });
        var process = machine.CreateProcess();
        (bool passed, string detail) outcome;
        try
        {
            var file = kind.Create(machine);
            ulong mem = process.Mmap(0, (ulong)kind.Size, Prot.Read | Prot.Write, family.Shared ? MapFlags.Shared : MapFlags.Private, file);
            MemoryImage.Fill(process, mem, 0, kind.Size); // fault it in
            if (!family.Write)
                process.Mprotect(mem, (ulong)kind.Size, Prot.Read); // R/O: the pin has to work on a R/O mapping
            var flags = GupFlags.Longterm | (family.Write ? GupFlags.Write : GupFlags.None) | (family.Fast ? GupFlags.Fast : GupFlags.None);
            try
            {
                process.PinUserPages(mem, (int)(kind.Size / Machine.PageSize), flags).Release();
                outcome = shouldWork ? (true, "Should have worked") : (false, "Should have failed");
            }
            catch (MmException error) when (error.Errno == Errno.EFAULT)
            {
                outcome = shouldWork ? (false, "Should have worked") : (true, "Should have failed");
            }
            machine.CheckInvariants();
        }
        catch (Exception error) when (error is MmException or MmInvariantException or Diagnostics.MmBugException)
        {
            outcome = (false, $"{error.GetType().Name}: {error.Message}");
        }
        return new CowCaseResult($"gup_longterm: {family.Name}", kind.Name, semantics,
            outcome.passed ? SelftestResult.Pass : SelftestResult.Fail, expected, outcome.detail);
    }

    /// <summary>The family names, as gup_longterm.c prints them.</summary>
    public static IReadOnlyList<string> FamilyNames { get; } = Families.Select(f => f.Name).ToArray();
}
