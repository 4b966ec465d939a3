using System;

namespace MmSim.Tests.Model;

/// <summary>
/// Delta debugging over the steps of a failing random sequence: removes chunks of halving size while the
/// sequence still fails, until no single step can go. Each step of the model-based tests draws its choices
/// from its own seed, so any subsequence is still a test both sides must agree on.
/// </summary>
internal static class StepShrinker
{
    /// <summary>The smallest subsequence of <paramref name="steps"/> found for which <paramref name="fails"/> holds, within <paramref name="budget"/> runs.</summary>
    public static int[] Shrink(int[] steps, Func<int[], bool> fails, int budget = 500)
    {
        var best = steps;
        for (int chunk = Math.Max(1, best.Length / 2); chunk >= 1 && budget > 0; chunk = chunk == 1 ? 0 : chunk / 2)
        {
            bool removed;
            do
            {
                removed = false;
                for (int start = 0; start < best.Length && best.Length > 1 && budget > 0;)
                {
                    var candidate = Without(best, start, chunk);
                    budget--;
                    if (candidate.Length > 0 && fails(candidate))
                    {
                        best = candidate;
                        removed = true;
                    }
                    else
                    {
                        start += chunk;
                    }
                }
            }
            while (removed && budget > 0);
        }
        return best;
    }

    /// <summary><paramref name="steps"/> without the (at most) <paramref name="count"/> steps from <paramref name="start"/>.</summary>
    private static int[] Without(int[] steps, int start, int count)
    {
        int removed = Math.Min(count, steps.Length - start);
        var rest = new int[steps.Length - removed];
        Array.Copy(steps, rest, start);
        Array.Copy(steps, start + removed, rest, start, steps.Length - start - removed);
        return rest;
    }
}
