using System;
using System.Globalization;
using System.IO;
using MmSim.Differential.Comparison;
using MmSim.Differential.Generation;
using MmSim.Differential.Sequences;

namespace MmSim.Differential;

/// <summary>
/// mmdiff from the command line:
///   seeds FIRST COUNT   run COUNT random sequences from seed FIRST; print each unexplained difference, shrunk
///   replay FILE         run a sequence file on both sides and print both observations
///   show SEED           print the sequence a seed generates
/// Exit code 1 if any sequence differs without a known reason.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        switch (args)
        {
            case ["seeds", var first, var count]:
                return Seeds(int.Parse(first, CultureInfo.InvariantCulture), int.Parse(count, CultureInfo.InvariantCulture));
            case ["replay", var file]:
                var outcome = Comparison.Comparison.Run(World.Normalize(SequenceText.Parse(File.ReadAllText(file))));
                Console.Write(outcome.Report());
                return outcome.Unexplained ? 1 : 0;
            case ["show", var seed]:
                Console.Write(SequenceText.Format(SequenceGenerator.Generate(int.Parse(seed, CultureInfo.InvariantCulture))));
                return 0;
            default:
                Console.Error.WriteLine("usage: MmSim.Differential seeds FIRST COUNT | replay FILE | show SEED");
                return 2;
        }
    }

    private static int Seeds(int first, int count)
    {
        int differing = 0, explained = 0;
        for (int seed = first; seed < first + count; seed++)
        {
            var outcome = Comparison.Comparison.Run(SequenceGenerator.Generate(seed));
            if (outcome.ExplainedBy is { } known)
            {
                explained++;
                Console.WriteLine($"seed {seed}: stopped at step {outcome.FirstDifference} by the known difference {known.Name}");
            }
            if (!outcome.Unexplained)
                continue;
            differing++;
            var minimal = Shrinker.Shrink(outcome, ops => Comparison.Comparison.Run(ops));
            Console.WriteLine($"seed {seed}: differs; shrunk from {outcome.Ops.Count} to {minimal.Ops.Count} steps:");
            Console.WriteLine(minimal.Report());
        }
        Console.WriteLine($"{count} seeds: {count - differing - explained} identical, {explained} stopped by a known difference, {differing} differing");
        return differing == 0 ? 0 : 1;
    }
}
