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
    public static TheoryData<CowSemantics, string, string> Cases()
    {
        var data = new TheoryData<CowSemantics, string, string>();
        foreach (var semantics in new[] { CowSemantics.AnonExclusive, CowSemantics.RefcountReuse, CowSemantics.MapcountReuse })
        {
            foreach (var result in CowSelftest.Run(semantics))
                data.Add(semantics, result.Family, result.Kind);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Each_case_matches_the_kernel_of_its_generation(CowSemantics semantics, string family, string kind)
    {
        var result = CowSelftest.Run(semantics, family).Single(r => r.Family == family && r.Kind == kind);

        Assert.True(result.MatchesKernel, $"{semantics} / {family} / {kind}: {result.Result}, kernel: {result.Expected} ({result.Detail})");
    }

    [Fact]
    public void Today_passes_every_case()
    {
        var results = CowSelftest.Run(CowSemantics.AnonExclusive);

        Assert.Equal(CowSelftest.Families.Count - 3 + 3 * 3, results.Count); // 14 anon families x 1 kind, 3 non-anon x 3 kinds
        Assert.All(results, r => Assert.Equal(SelftestResult.Pass, r.Result));
    }

    [Fact]
    public void CVE_2020_29374_reproduces_only_before_5_8()
    {
        const string family = "vmsplice() + unmap in child";

        Assert.Equal(SelftestResult.Fail, CowSelftest.Run(CowSemantics.MapcountReuse, family).Single(r => r.Family == family).Result);
        Assert.Equal(SelftestResult.Pass, CowSelftest.Run(CowSemantics.RefcountReuse, family).Single(r => r.Family == family).Result);
        Assert.Equal(SelftestResult.Pass, CowSelftest.Run(CowSemantics.AnonExclusive, family).Single(r => r.Family == family).Result);
    }

    [Fact]
    public void The_refcount_generation_loses_ro_pins_of_shared_pages()
    {
        var results = CowSelftest.Run(CowSemantics.RefcountReuse, "R/O GUP pin on R/O-mapped shared page");

        Assert.Equal(SelftestResult.Fail, Assert.Single(results).Result);
        Assert.Contains("contents differ", results[0].Detail);
    }

    [Fact]
    public void A_filter_keeps_matching_families_and_kinds()
    {
        var byKind = CowSelftest.Run(CowSemantics.AnonExclusive, "memfd");
        var byFamily = CowSelftest.Run(CowSemantics.AnonExclusive, "iouring");

        Assert.Equal(3, byKind.Count);
        Assert.All(byKind, r => Assert.Equal("memfd", r.Kind));
        Assert.Equal(2, byFamily.Count);
    }
}
