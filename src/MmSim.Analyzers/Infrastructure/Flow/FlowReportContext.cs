using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis;

namespace MmSim.Analyzers.Infrastructure.Flow;

/// <summary>
/// What a rule's visitor sees of the body under analysis: the body, the cancellation token, and where its
/// diagnostics go. The shared pass (<see cref="SharedFlowPass"/>) collects every rule's diagnostics here.
/// </summary>
internal sealed class FlowReportContext
{
    private readonly List<Diagnostic> _diagnostics = new();

    public FlowReportContext(IOperation operation, CancellationToken cancellationToken)
    {
        Operation = operation;
        CancellationToken = cancellationToken;
    }

    /// <summary>The method or constructor body.</summary>
    public IOperation Operation { get; }

    public CancellationToken CancellationToken { get; }

    public IReadOnlyList<Diagnostic> Diagnostics => _diagnostics;

    public void ReportDiagnostic(Diagnostic diagnostic) => _diagnostics.Add(diagnostic);
}
