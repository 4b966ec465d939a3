using System.Linq;
using MmSim.Selftests;
using Xunit;

namespace MmSim.Tests.Selftests;

/// <summary>gup_longterm.c: which long-term pins of file mappings work, per generation.</summary>
public class GupLongtermSelftestTests
{
    [Theory]
    [InlineData(CowSemantics.AnonExclusive)]
    [InlineData(CowSemantics.RefcountReuse)]
    [InlineData(CowSemantics.MapcountReuse)]
    public void Every_case_matches_the_kernel_of_its_generation(CowSemantics semantics)
    {
        var results = GupLongtermSelftest.Run(semantics);

        Assert.Equal(8 * 4, results.Count); // 8 families x memfd, local tmpfile and the two hugetlb sizes
        Assert.All(results, r => Assert.True(r.MatchesKernel, $"{r.Family} / {r.Kind}: {r.Result} ({r.Detail})"));
    }

    [Fact]
    public void Today_a_writable_long_term_pin_of_a_shared_disk_file_fails_and_everything_else_works()
    {
        var results = GupLongtermSelftest.Run(CowSemantics.AnonExclusive);

        Assert.All(results, r => Assert.Equal(SelftestResult.Pass, r.Result));
        var refused = results.Where(r => r.Detail == "Should have failed").ToList();
        Assert.Equal(2, refused.Count); // GUP and GUP-fast, R/W, MAP_SHARED, local tmpfile
        Assert.All(refused, r => Assert.Equal("local tmpfile", r.Kind));
    }

    [Fact]
    public void Before_6_5_the_same_pin_went_through()
    {
        var results = GupLongtermSelftest.Run(CowSemantics.RefcountReuse, "local tmpfile");

        Assert.Equal(2, results.Count(r => r.Result == SelftestResult.Fail));
    }
}
