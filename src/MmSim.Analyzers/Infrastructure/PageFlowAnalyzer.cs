using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using MmSim.Analyzers.Infrastructure.Flow;

namespace MmSim.Analyzers.Infrastructure;

/// <summary>
/// Base of the flow-sensitive rules: for every method or constructor body that mentions the APIs a rule is about,
/// builds the control-flow graph and runs the page-fact analysis with the rule's visitor.
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
    private protected abstract PageFlowVisitor CreateVisitor(OperationAnalysisContext context, KnownTypes types);

    private void AnalyzeBody(OperationAnalysisContext context, KnownTypes types)
    {
        // generated code is not ours to judge; code that does not compile gets its compiler errors, not guesses
        if (context.IsGeneratedCode || BrokenCode.Contains(context.Operation))
            return;
        var visitor = CreateVisitor(context, types);
        if (!IsRelevant(context.Operation, visitor))
            return;
        // the driver builds the graph of a body once and shares it between every rule that asks
        var cfg = context.GetControlFlowGraph();
        PageFlowAnalysis.Run(cfg, context.ContainingSymbol, types, visitor, context.CancellationToken);
    }

    private static bool IsRelevant(IOperation root, PageFlowVisitor visitor)
    {
        foreach (var operation in root.DescendantsAndSelf())
        {
            if (visitor.IsRelevant(operation))
                return true;
        }
        return false;
    }
}
