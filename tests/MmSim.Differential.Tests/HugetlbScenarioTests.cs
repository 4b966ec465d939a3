using System.Collections.Generic;
using System.Linq;
using MmSim.Differential.Execution;
using MmSim.Differential.Scenarios;
using Xunit;

namespace MmSim.Differential.Tests;

/// <summary>
/// cow.c's families on its hugetlb kinds, 2 MiB and 1 GiB pages, against this machine's kernel with hugetlb pools set
/// up for the run: the same observations on both sides, the vmsplice families leaking as the kernel's XFAILs say.
/// </summary>
public sealed class HugetlbScenarioTests(KernelHugetlbPool pool) : IClassFixture<KernelHugetlbPool>
{
    private static readonly Dictionary<string, Scenario> Scenarios = CowScenarios.Hugetlb().ToDictionary(s => s.Name);

    public static TheoryData<string> Names => new(Scenarios.Keys);

    [Theory]
    [MemberData(nameof(Names))]
    public void The_kernel_and_the_simulator_agree_on_hugetlb(string name)
    {
        Assert.True(pool.Problem is null, pool.Problem);
        var scenario = Scenarios[name];

        var outcome = Comparison.Comparison.Run(scenario.Ops, SimulatorRunner.HugetlbLike());

        Assert.True(outcome.Identical, outcome.Report());
        Assert.Equal(scenario.Expected, outcome.Kernel[scenario.Step]);
        Assert.Equal(scenario.Expected, outcome.Simulator[scenario.Step]);
    }

    [Fact]
    public void Every_expressible_family_runs_on_both_hugetlb_sizes()
    {
        Assert.Equal(8 * 2 + 2 + 1, Scenarios.Count); // the families on both sizes, a move of each, and a shared area
        Assert.Equal(4 * 2 + 1, Scenarios.Values.Count(s => s.Expected == "v 2")); // the 4 vmsplice families leak on hugetlb; a shared area shows the child's write
        Assert.All(Scenarios.Values, s => Assert.Equal(s.Ops, Sequences.World.Normalize(s.Ops)));
    }
}
