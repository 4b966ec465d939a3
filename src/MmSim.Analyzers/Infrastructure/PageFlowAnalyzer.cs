using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using MmSim.Analyzers.Infrastructure.Flow;

namespace MmSim.Analyzers.Infrastructure;

/// <summary>
/// Base of the flow-sensitive rules: for every method or constructor body that mentions the APIs a rule is about,
/// the page-fact analysis runs over the control-flow graph, once for all rules (<see cref="SharedFlowPass"/>),
/// and each rule reports what its visitor found.
/// </summary>
public abstract class PageFlowAnalyzer : MmSimDiagnosticAnalyzer
{
    private protected PageFlowAnalyzer(params DiagnosticDescriptor[] supported)
        : base(supported)
    {
    }

    private protected sealed override void AnalyzeCompilation(CompilationStartAnalysisContext context, KnownTypes types)
    {
        context.RegisterOperationAction(body => AnalyzeBody(body, types), OperationKind.MethodBody, OperationKind.ConstructorBody);
        if (OtherOperationAction is { } other)
            context.RegisterOperationAction(operation => other.Action(operation, types), other.Kind);
    }

    /// <summary>Where a rule also has a part that needs no flow analysis: an operation action and its kind.</summary>
    private protected virtual (System.Action<OperationAnalysisContext, KnownTypes> Action, OperationKind Kind)? OtherOperationAction => null;

    /// <summary>A visitor that reports through <paramref name="context"/>.</summary>
    private protected abstract PageFlowVisitor CreateVisitor(FlowReportContext context, KnownTypes types);

    internal PageFlowVisitor CreateVisitorFor(FlowReportContext context, KnownTypes types) => CreateVisitor(context, types);

    private void AnalyzeBody(OperationAnalysisContext context, KnownTypes types)
    {
        // generated code is not ours to judge
        if (context.IsGeneratedCode)
            return;
        foreach (var diagnostic in SharedFlowPass.For(context.Compilation).Diagnostics(context, types, PageFlowRules.All))
        {
            if (SupportedDiagnostics.Contains(diagnostic.Descriptor))
                context.ReportDiagnostic(diagnostic);
        }
    }
}
