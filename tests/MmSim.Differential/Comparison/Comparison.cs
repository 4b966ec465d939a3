using System.Collections.Generic;
using System.Linq;
using System.Text;
using MmSim.Differential.Execution;
using MmSim.Differential.Sequences;

namespace MmSim.Differential.Comparison;

/// <summary>
/// One sequence run on both sides. <see cref="FirstDifference"/> is the first step whose
/// observations differ (-1 if none); from there on the two states may have parted, so nothing
/// after it is compared. <see cref="ExplainedBy"/> names the known difference that accounts for it.
/// </summary>
public sealed record Comparison(
    IReadOnlyList<Op> Ops, IReadOnlyList<string> Kernel, IReadOnlyList<string> Simulator,
    int FirstDifference, KnownDifference? ExplainedBy)
{
    /// <summary>How often the kernel side runs a sequence that differs before the difference counts.</summary>
    public const int KernelRuns = 3;

    public bool Identical => FirstDifference < 0;
    public bool Unexplained => FirstDifference >= 0 && ExplainedBy is null;

    /// <summary>
    /// Runs <paramref name="ops"/> on the simulator once and on the kernel until one kernel run agrees, at most
    /// <see cref="KernelRuns"/> times: the kernel is not deterministic everywhere (khugepaged may collapse a THP
    /// area in the background, fault-around maps what it finds ready), and an observation the kernel can make
    /// is not a difference. The first kernel run is reported when none agrees.
    /// </summary>
    public static Comparison Run(IReadOnlyList<Op> ops, MachineOptions? simulator = null)
    {
        var simulated = SimulatorRunner.Run(ops, simulator);
        var first = Of(ops, KernelDriver.Run(ops), simulated);
        for (int run = 1; run < KernelRuns && first.Unexplained; run++)
        {
            var again = Of(ops, KernelDriver.Run(ops), simulated);
            if (!again.Unexplained)
                return again;
        }
        return first;
    }

    public static Comparison Of(IReadOnlyList<Op> ops, IReadOnlyList<string> kernel, IReadOnlyList<string> simulator)
    {
        for (int i = 0; i < ops.Count; i++)
            if (kernel[i] != simulator[i])
                return new Comparison(ops, kernel, simulator, i,
                    KnownDifferences.All.FirstOrDefault(d => d.Explains(ops.Take(i + 1).ToList(), kernel[i], simulator[i])));
        return new Comparison(ops, kernel, simulator, -1, null);
    }

    /// <summary>The sequence with both sides' observations, the differing step marked.</summary>
    public string Report()
    {
        var text = new StringBuilder();
        int width = Ops.Max(op => op.ToString()!.Length) + 2;
        text.AppendLine("step".PadRight(width + 5) + "kernel | simulator");
        for (int i = 0; i < Ops.Count; i++)
        {
            string marker = i == FirstDifference ? ">> " : "   ";
            string line = $"{marker}{i,2} {Ops[i].ToString()!.PadRight(width)}{Kernel[i]}";
            text.AppendLine(Kernel[i] == Simulator[i] ? line : $"{line} | {Simulator[i]}");
        }
        if (ExplainedBy is { } known)
            text.AppendLine($"explained by {known.Name}: {known.Reason}");
        text.AppendLine("sequence:").Append(SequenceText.Format(Ops));
        return text.ToString();
    }
}
