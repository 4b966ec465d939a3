using System.Collections.Generic;
using System.Linq;
using MmSim.Differential.Comparison;
using MmSim.Differential.Scenarios;
using Xunit;

namespace MmSim.Differential.Tests;

/// <summary>
/// cow.c and gup_longterm.c cases, and the kernel's large-folio sharing cases, as sequences: the same observations
/// on both sides, and the outcome the selftest (or the kernel's design) demands.
/// </summary>
public sealed class KernelScenarioTests
{
    private static readonly Dictionary<string, Scenario> Scenarios =
        CowScenarios.All().Concat(GupLongtermScenarios.All()).Concat(LargeFolioSharingScenarios.All()).ToDictionary(s => s.Name);

    public static TheoryData<string> Names => new(Scenarios.Keys);

    [Theory]
    [MemberData(nameof(Names))]
    public void The_kernel_and_the_simulator_agree_and_pass_the_selftest(string name)
    {
        var scenario = Scenarios[name];

        var outcome = Comparison.Comparison.Run(scenario.Ops);

        Assert.False(outcome.Unexplained, outcome.Report());
        Assert.True(outcome.Identical, outcome.Report()); // no known difference may hide a selftest outcome
        Assert.Equal(scenario.Expected, outcome.Kernel[scenario.Step]);
        Assert.Equal(scenario.Expected, outcome.Simulator[scenario.Step]);
    }

    [Fact]
    public void Every_expressible_family_runs_on_every_kind_this_machine_has()
    {
        Assert.Equal(8 * 6 + 4, CowScenarios.All().Count()); // families x kinds, and the collapse family
        Assert.Equal(16, GupLongtermScenarios.All().Count());
        Assert.Equal(4, LargeFolioSharingScenarios.All().Count());
        Assert.All(Scenarios.Values, s => Assert.Equal(s.Ops, Sequences.World.Normalize(s.Ops))); // every step valid
    }
}
