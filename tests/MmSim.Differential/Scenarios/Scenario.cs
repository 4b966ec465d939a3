using System.Collections.Generic;
using MmSim.Differential.Sequences;

namespace MmSim.Differential.Scenarios;

/// <summary>
/// A kernel selftest case as a sequence: both sides must observe the same, and step
/// <see cref="Step"/> must show <see cref="Expected"/>, the outcome the selftest demands of a 6.x kernel.
/// </summary>
public sealed record Scenario(string Name, IReadOnlyList<Op> Ops, int Step, string Expected)
{
    public override string ToString() => Name;
}
