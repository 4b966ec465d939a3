using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using MmSim.Analyzers.Infrastructure;

namespace MmSim.Analyzers.Rules;

/// <summary>
/// MM0005: the result of a [MustCheckResult] call (page_try_share_anon_rmap, page_try_dup_anon_rmap) is
/// dropped: used as a statement, assigned to a discard, or stored in a local that is never read. Any
/// use that can change control flow (a branch, a return, an argument, a field) is accepted, as the
/// kernel handles the failure in several correct ways (7f5abe609b3d).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class TryShareResultIgnoredAnalyzer : MmSimDiagnosticAnalyzer
{
    public TryShareResultIgnoredAnalyzer()
        : base(Descriptors.MM0005_TryShareResultIgnored)
    {
    }

    private protected override void AnalyzeCompilation(CompilationStartAnalysisContext context, KnownTypes types) =>
        context.RegisterOperationAction(Analyze, OperationKind.Invocation);

    private static void Analyze(OperationAnalysisContext context)
    {
        var invocation = (IInvocationOperation)context.Operation;
        if (invocation.TargetMethod.ReturnsVoid || !Contracts.Has(invocation.TargetMethod, Contracts.MustCheckResult))
            return;
        if (BrokenCode.Contains(invocation) || !IsDropped(invocation))
            return;
        context.ReportDiagnostic(Diagnostic.Create(
            Descriptors.MM0005_TryShareResultIgnored, invocation.Syntax.GetLocation(), invocation.TargetMethod.Name));
    }

    private static bool IsDropped(IInvocationOperation invocation)
    {
        var parent = invocation.Parent;
        while (parent is IConversionOperation or IParenthesizedOperation)
            parent = parent.Parent;
        switch (parent)
        {
            case IExpressionStatementOperation:
                return true;
            case ISimpleAssignmentOperation { Target: IDiscardOperation }:
                return true;
            case ISimpleAssignmentOperation { Target: ILocalReferenceOperation local }:
                return !IsEverRead(local.Local, invocation);
            case IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator }:
                return !IsEverRead(declarator.Symbol, invocation);
            default:
                return false;
        }
    }

    /// <summary>Whether the function body reads <paramref name="local"/> anywhere (lambdas and local functions included).</summary>
    private static bool IsEverRead(ILocalSymbol local, IOperation from)
    {
        var root = from;
        while (root.Parent is { } up)
            root = up;
        return root.Descendants().OfType<ILocalReferenceOperation>().Any(reference =>
            SymbolEqualityComparer.Default.Equals(reference.Local, local) && !IsWriteTarget(reference));
    }

    private static bool IsWriteTarget(ILocalReferenceOperation reference) =>
        reference.Parent is ISimpleAssignmentOperation assignment && assignment.Target == reference;
}
