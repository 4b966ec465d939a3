using MmSim.Differential.Comparison;
using MmSim.Differential.Sequences;
using Xunit;

namespace MmSim.Differential.Tests;

/// <summary>The list of known differences is short, and each explains only what its reason covers.</summary>
public sealed class KnownDifferenceTests
{
    [Fact]
    public void There_is_one_known_difference()
    {
        Assert.Equal([KnownDifferences.FaultAroundRace], KnownDifferences.All);
    }

    [Theory]
    [InlineData(AreaKind.ShMemfd, "pm none", "pm present", true)]
    [InlineData(AreaKind.Shared, "pm present excl", "pm present", true)]
    [InlineData(AreaKind.Memfd, "pm present", "pm none", true)]
    [InlineData(AreaKind.Anon, "pm none", "pm present zero", false)]     // anonymous memory has no fault-around
    [InlineData(AreaKind.Memfd, "pm present excl anon", "pm present", false)] // a private copy is no page-cache page
    [InlineData(AreaKind.ShMemfd, "pm present", "pm present zero", false)]
    public void Fault_around_explains_only_presence_of_page_cache_pages(AreaKind kind, string kernel, string simulator, bool explained)
    {
        var ops = SequenceText.Parse($"mmap 0 0 4 {kind.ToString().ToLowerInvariant()}\nfork 0 1\nread 1 0 3\npagemap 0 0 0");

        var outcome = Comparison.Comparison.Of(ops, ["ok", "ok", "v 0", kernel], ["ok", "ok", "v 0", simulator]);

        Assert.Equal(3, outcome.FirstDifference);
        Assert.Equal(explained, outcome.ExplainedBy == KnownDifferences.FaultAroundRace);
    }

    [Fact]
    public void A_difference_in_contents_is_never_explained()
    {
        var ops = SequenceText.Parse("mmap 0 0 4 shmemfd\nread 0 0 1");

        var outcome = Comparison.Comparison.Of(ops, ["ok", "v 0"], ["ok", "v 7"]);

        Assert.True(outcome.Unexplained);
    }
}
