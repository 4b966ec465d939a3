using System.Linq;
using MmSim.Differential.Comparison;
using MmSim.Differential.Execution;
using MmSim.Differential.Generation;
using MmSim.Differential.Scenarios;
using Xunit;

namespace MmSim.Differential.Tests;

/// <summary>
/// The comparison must catch a simulator that behaves wrongly. The older COW generations are such
/// simulators for this 6.x kernel: they reuse pages by mapcount or refcount instead of PG_anon_exclusive.
/// </summary>
public sealed class InjectedBugTests
{
    [Fact]
    public void The_cve_2020_29374_generation_is_caught_by_the_vmsplice_scenario()
    {
        var scenario = CowScenarios.All().Single(s => s.Name == "vmsplice() + unmap in child with base page");

        var outcome = Comparison.Comparison.Run(scenario.Ops, SimulatorRunner.KernelLike(CowSemantics.MapcountReuse));

        Assert.True(outcome.Unexplained);
        Assert.Equal(scenario.Step, outcome.FirstDifference);
        Assert.Equal("v 1", outcome.Kernel[scenario.Step]);
        Assert.Equal("v 2", outcome.Simulator[scenario.Step]); // the child's pipe shows the parent's later write
    }

    [Theory]
    [InlineData(CowSemantics.MapcountReuse)]
    [InlineData(CowSemantics.RefcountReuse)]
    public void Random_sequences_catch_an_older_generation_and_shrink_the_difference(CowSemantics wrong)
    {
        var options = SimulatorRunner.KernelLike(wrong);
        var failing = Enumerable.Range(0, 200)
            .Select(seed => Comparison.Comparison.Run(SequenceGenerator.Generate(seed), options))
            .FirstOrDefault(c => c.Unexplained);

        Assert.NotNull(failing);
        var minimal = Shrinker.Shrink(failing, ops => Comparison.Comparison.Run(ops, options));
        Assert.True(minimal.Unexplained);
        Assert.True(minimal.Ops.Count <= 10, minimal.Report());
        Assert.True(minimal.Ops.Count < failing.Ops.Count);
        // the same minimal sequence is no difference on the right generation
        Assert.False(Comparison.Comparison.Run(minimal.Ops).Unexplained, minimal.Report());
    }
}
