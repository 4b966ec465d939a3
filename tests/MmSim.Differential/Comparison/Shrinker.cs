using System;
using System.Collections.Generic;
using System.Linq;
using MmSim.Differential.Sequences;

namespace MmSim.Differential.Comparison;

/// <summary>
/// Shrinks a sequence that shows an unexplained difference to one that still shows it, with no
/// single step removable (delta debugging: remove chunks of halving size, keep what still
/// fails). Every candidate is normalised first, so removing a fork drops the child's steps.
/// </summary>
public static class Shrinker
{
    public static Comparison Shrink(Comparison failing, Func<IReadOnlyList<Op>, Comparison> run, int budget = 400)
    {
        var best = failing;
        // Steps after the first difference cannot matter to it.
        var cut = run(best.Ops.Take(best.FirstDifference + 1).ToList());
        if (cut.Unexplained)
            best = cut;
        for (int chunk = Math.Max(1, best.Ops.Count / 2); chunk >= 1 && budget > 0; chunk = chunk == 1 ? 0 : chunk / 2)
        {
            bool removed;
            do
            {
                removed = false;
                for (int start = 0; start < best.Ops.Count && budget > 0; start += chunk)
                {
                    var candidate = World.Normalize(best.Ops.Take(start).Concat(best.Ops.Skip(start + chunk)));
                    if (candidate.Count == best.Ops.Count || candidate.Count == 0)
                        continue;
                    budget--;
                    var outcome = run(candidate);
                    if (!outcome.Unexplained)
                        continue;
                    best = outcome;
                    removed = true;
                }
            }
            while (removed && budget > 0);
        }
        return best;
    }
}
