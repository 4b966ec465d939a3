using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace MmSim.Analyzers.Infrastructure.Flow;

/// <summary>
/// The values the control-flow graph stores in flow captures (receivers and arguments evaluated before a
/// branch, the operands of ?? and ?.), so that a capture reference can be traced to what it holds. A
/// capture assigned different values on different paths (the result of a lowered &amp;&amp; or ||) is ambiguous.
/// </summary>
internal sealed class FlowCaptures
{
    private readonly Dictionary<CaptureId, IOperation?> _values = new();

    public FlowCaptures(ControlFlowGraph cfg)
    {
        foreach (var block in cfg.Blocks)
        {
            foreach (var operation in block.Operations)
                Collect(operation);
            if (block.BranchValue is { } branch)
                Collect(branch);
        }
    }

    /// <summary>The single value captured under <paramref name="id"/>, or null if there is none or several.</summary>
    public IOperation? ValueOf(CaptureId id) => _values.TryGetValue(id, out var value) ? value : null;

    private void Collect(IOperation root)
    {
        foreach (var operation in root.DescendantsAndSelf())
        {
            if (operation is not IFlowCaptureOperation capture)
                continue;
            _values[capture.Id] = _values.ContainsKey(capture.Id) ? null : capture.Value;
        }
    }
}
