using System;
using System.Globalization;
using System.Linq;
using MmSim.Differential.Comparison;
using MmSim.Differential.Generation;
using Xunit;

namespace MmSim.Differential.Tests;

/// <summary>
/// Random sequences on the kernel and on the simulator. CI runs 300 seeds; a longer run sets
/// MMSIM_DIFF_SEEDS (and MMSIM_DIFF_FIRST_SEED to start elsewhere), see the README.
/// </summary>
public sealed class RandomSequenceTests
{
    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) ? value : fallback;

    [Fact]
    public void Random_sequences_observe_the_same_on_the_kernel_and_the_simulator()
    {
        int first = Setting("MMSIM_DIFF_FIRST_SEED", 0), seeds = Setting("MMSIM_DIFF_SEEDS", 300);
        var explained = new System.Collections.Generic.List<string>();
        for (int seed = first; seed < first + seeds; seed++)
        {
            var outcome = Comparison.Comparison.Run(SequenceGenerator.Generate(seed));
            if (outcome.ExplainedBy is { } known)
                explained.Add($"{seed}:{known.Name}");
            if (outcome.Unexplained)
            {
                var minimal = Shrinker.Shrink(outcome, ops => Comparison.Comparison.Run(ops));
                Assert.Fail($"seed {seed}: the kernel and the simulator differ at step {minimal.FirstDifference} "
                    + $"of the shrunk sequence ({outcome.Ops.Count} steps before shrinking):\n{minimal.Report()}");
            }
        }
        // Known differences may stop a comparison early, but only rarely, or the run proves little.
        Assert.True(explained.Count <= seeds / 20, "too many sequences end in a known difference: " + string.Join(", ", explained));
    }
}
