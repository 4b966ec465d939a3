using System;
using System.Collections.Generic;
using System.Linq;
using MmSim.Selftests;
using Xunit;

namespace MmSim.Tests.Selftests;

/// <summary>
/// The kernel's COW matrix on each generation: today's design passes everything, and each older
/// generation fails exactly where the kernel of its time failed (the historical bugs reproduce).
/// </summary>
public class CowSelftestTests
{
    private static readonly CowSemantics[] Generations = [CowSemantics.AnonExclusive, CowSemantics.RefcountReuse, CowSemantics.MapcountReuse];

    /// <summary>The whole matrix, run once for all the cases below.</summary>
    private static readonly Lazy<IReadOnlyDictionary<(CowSemantics, string, string), CowCaseResult>> Matrix = new(() =>
        Generations.SelectMany(g => CowSelftest.Run(g)).ToDictionary(r => (r.Semantics, r.Family, r.Kind)));

    public static TheoryData<CowSemantics, string, string> Cases()
    {
        var data = new TheoryData<CowSemantics, string, string>();
        foreach (var key in Matrix.Value.Keys)
            data.Add(key.Item1, key.Item2, key.Item3);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Each_case_matches_the_kernel_of_its_generation(CowSemantics semantics, string family, string kind)
    {
        var result = Matrix.Value[(semantics, family, kind)];

        Assert.True(result.MatchesKernel, $"{semantics} / {family} / {kind}: {result.Result}, kernel: {result.Expected} ({result.Detail})");
    }

    [Fact]
    public void Today_passes_every_case_it_can_run()
    {
        var results = Matrix.Value.Values.Where(r => r.Semantics == CowSemantics.AnonExclusive).ToList();

        Assert.Equal(14 * 13 + 4 + 3 * 6, results.Count); // 14 anon families x 13 kinds (12 of cow.c with both hugetlb sizes, and KSM), 4 THP collapse families, 3 non-anon families x 6 kinds
        Assert.All(results, r => Assert.True(
            r.Result == SelftestResult.Pass ||
            (r.Result == SelftestResult.XFail && r.Kind.StartsWith("hugetlb", StringComparison.Ordinal) && r.Family.StartsWith("vmsplice", StringComparison.Ordinal)),
            $"{r.Family} / {r.Kind}: {r.Result} ({r.Detail})"));
        Assert.Equal(0, results.Count(r => r.Result == SelftestResult.Skip)); // the swapped THP kinds run: THP swap-out
        Assert.Equal(8, results.Count(r => r.Result == SelftestResult.XFail));     // the kernel's own XFAILs (7dad331be781): 4 families x 2 sizes
    }

    [Fact]
    public void CVE_2020_29374_reproduces_only_before_5_8()
    {
        const string family = "vmsplice() + unmap in child";
        SelftestResult OnBasePage(CowSemantics semantics) =>
            CowSelftest.Run(semantics, family).Single(r => r.Family == family && r.Kind == "base page").Result;

        Assert.Equal(SelftestResult.Fail, OnBasePage(CowSemantics.MapcountReuse));
        Assert.Equal(SelftestResult.Pass, OnBasePage(CowSemantics.RefcountReuse));
        Assert.Equal(SelftestResult.Pass, OnBasePage(CowSemantics.AnonExclusive));
    }

    [Fact]
    public void The_refcount_generation_loses_ro_pins_of_shared_pages()
    {
        var results = CowSelftest.Run(CowSemantics.RefcountReuse, "R/O GUP pin on R/O-mapped shared page");

        var ran = results.Where(r => r.Result != SelftestResult.Skip).ToList();
        Assert.Equal(13, ran.Count); // every anon kind: base page, swapped out base page, eight THP kinds, two hugetlb sizes, KSM
        Assert.All(ran, r => Assert.Equal(SelftestResult.Fail, r.Result));
        Assert.All(ran, r => Assert.Contains("contents differ", r.Detail));
    }

    [Fact]
    public void A_ksm_page_is_never_reused_so_before_5_8_it_passes_the_vmsplice_families_and_fails_the_ro_pins()
    {
        // do_wp_page() copies a KSM page in every generation: no reuse behind a pipe's back (vmsplice passes),
        // but no reuse in front of a R/O pin either (it fails until unsharing, 5.19)
        var results = CowSelftest.Run(CowSemantics.MapcountReuse, "KSM page").ToDictionary(r => r.Family);

        Assert.Equal(14, results.Count);
        Assert.All(results.Values, r => Assert.True(r.MatchesKernel, $"{r.Family}: {r.Result} ({r.Detail})"));
        Assert.Equal(SelftestResult.Pass, results["vmsplice() + unmap in child"].Result);
        Assert.Equal(SelftestResult.Fail, results["R/O GUP pin on R/O-mapped previously-shared page"].Result);
        Assert.All(CowSelftest.Run(CowSemantics.AnonExclusive, "KSM page"), r => Assert.Equal(SelftestResult.Pass, r.Result));
    }

    [Fact]
    public void Swap_in_reused_by_mapcount_leaks_in_the_refcount_generation_too()
    {
        // c145e0b47c77 ("mm: fix the COW security issue for swap-in", 5.18) came after 5.11-5.17
        var results = CowSelftest.Run(CowSemantics.RefcountReuse, "swapped out base page")
            .Where(r => r.Family.StartsWith("vmsplice() + unmap in child", StringComparison.Ordinal)).ToList();

        Assert.Equal(2, results.Count);
        Assert.All(results, r => Assert.Equal(SelftestResult.Fail, r.Result));
    }

    [Fact]
    public void The_collapse_family_runs_on_the_thp_alone_and_is_absent_before_madv_collapse()
    {
        foreach (var semantics in Generations)
        {
            var results = CowSelftest.Run(semantics, "when collapsing");

            Assert.Equal(4, results.Count);
            Assert.All(results, r => Assert.Equal("THP (2048 kB)", r.Kind));
            Assert.All(results, r => Assert.True(r.MatchesKernel, $"{r.Family}: {r.Result} ({r.Detail})"));
            if (semantics == CowSemantics.AnonExclusive)
                Assert.All(results, r => Assert.Equal(SelftestResult.Pass, r.Result));
            else
                Assert.All(results, r => Assert.StartsWith("n/a: MADV_COLLAPSE", r.Detail));
        }
    }

    [Fact]
    public void The_huge_zero_page_is_cow_shared_and_unshared_for_ro_pins_since_6_2()
    {
        var today = CowSelftest.Run(CowSemantics.AnonExclusive, "huge zeropage");
        var before = CowSelftest.Run(CowSemantics.RefcountReuse, "huge zeropage");

        Assert.Equal(3, today.Count);
        Assert.All(today, r => Assert.Equal(SelftestResult.Pass, r.Result));
        Assert.Equal([SelftestResult.Pass, SelftestResult.Fail, SelftestResult.Fail], before.Select(r => r.Result));
    }

    [Fact]
    public void A_filter_keeps_matching_families_and_kinds()
    {
        var byKind = CowSelftest.Run(CowSemantics.AnonExclusive, "memfd");
        var byFamily = CowSelftest.Run(CowSemantics.AnonExclusive, "iouring");

        Assert.Equal(9, byKind.Count); // memfd and memfd hugetlb of both sizes
        Assert.All(byKind, r => Assert.StartsWith("memfd", r.Kind));
        Assert.Equal(26, byFamily.Count); // 2 io_uring families x 13 anonymous kinds
    }
}
