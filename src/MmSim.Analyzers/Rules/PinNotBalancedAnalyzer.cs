using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using MmSim.Analyzers.Infrastructure;
using MmSim.Analyzers.Infrastructure.Flow;

namespace MmSim.Analyzers.Rules;

/// <summary>
/// MM0010 (P13): a local that holds a pin of ours ([Pins]: <c>Process.PinUserPages</c>, or a user helper)
/// and still holds it on some path when the function returns normally, unless it escaped (returned,
/// stored, passed to code without a reference contract, captured by a lambda); an [Unpins] call on a page
/// whose pin every path already released; an [Unpins] call on another subpage of the pinned page
/// (<c>page.CompoundHead</c>, the io_uring bug 5afb4bf9fc62). Unpinning through the folio is fine.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class PinNotBalancedAnalyzer : PageFlowAnalyzer
{
    /// <summary>Property set on a leak whose declaration can become a <c>using</c> declaration.</summary>
    public const string UsingFixable = "UsingFixable";

    public PinNotBalancedAnalyzer()
        : base(Descriptors.MM0010_PinNotBalanced)
    {
    }

    private protected override PageFlowVisitor CreateVisitor(FlowReportContext context, KnownTypes types) =>
        new Visitor(context);

    private static bool IsPin(IOperation operation) =>
        operation is IInvocationOperation invocation && Contracts.Has(invocation.TargetMethod, Contracts.Pins);

    private sealed class Visitor : PageFlowVisitor
    {
        private readonly FlowReportContext _context;
        private readonly HashSet<ISymbol> _captured = new(SymbolEqualityComparer.Default);

        public Visitor(FlowReportContext context)
        {
            _context = context;
        }

        public override bool IsRelevant(IOperation operation) => IsPin(operation);

        public override void Visit(IOperation operation, FlowState state, PageOperands operands, ISymbol function)
        {
            if (operation is ILocalReferenceOperation local && !SymbolEqualityComparer.Default.Equals(local.Local.ContainingSymbol, function))
                _captured.Add(local.Local);
            if (operation is not IInvocationOperation invocation || !Contracts.Has(invocation.TargetMethod, Contracts.Unpins) ||
                operands.SubjectOf(invocation) is not { } subject || operands.Resolve(subject) is not { } page)
                return;
            var ownPin = state.Get(page.Symbol).OwnPin;
            if (ownPin == Evidence.No)
                Report(invocation.Syntax.GetLocation(), subject.Syntax.ToString(), "is unpinned again: every path already released its pin");
            else if (!page.SameSubpage && SymbolEqualityComparer.Default.Equals(subject.Type, operands.Types.Page) && ownPin.MayBeYes())
                Report(invocation.Syntax.GetLocation(), subject.Syntax.ToString(), $"is another page of the folio than the pinned '{page.Symbol.Name}': unpin the page that was pinned, or the folio");
        }

        public override void AtExit(FlowState state, ISymbol function)
        {
            foreach (var pair in state.Entries)
            {
                if (pair.Key is not ILocalSymbol local || !pair.Value.OwnPin.MayBeYes() || _captured.Contains(local) ||
                    local.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(_context.CancellationToken) is not { } declarator)
                    continue;
                var properties = CanBecomeUsing(local, declarator)
                    ? ImmutableDictionary<string, string?>.Empty.Add(UsingFixable, "true")
                    : ImmutableDictionary<string, string?>.Empty;
                _context.ReportDiagnostic(Diagnostic.Create(
                    Descriptors.MM0010_PinNotBalanced,
                    declarator.GetLocation(),
                    properties,
                    local.Name,
                    "holds a pin (FOLL_PIN) that is not released on every path"));
            }
        }

        private void Report(Location location, string page, string what) =>
            _context.ReportDiagnostic(Diagnostic.Create(Descriptors.MM0010_PinNotBalanced, location, page, what));

        /// <summary>A plain <c>var x = ...;</c> in a block, of an IDisposable type, never written again.</summary>
        private bool CanBecomeUsing(ILocalSymbol local, SyntaxNode declarator)
        {
            if (declarator is not VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax { Variables.Count: 1, Parent: LocalDeclarationStatementSyntax statement } } ||
                statement.UsingKeyword != default || statement.Parent is not BlockSyntax ||
                !local.Type.AllInterfaces.Any(i => i.SpecialType == SpecialType.System_IDisposable))
                return false;
            foreach (var operation in _context.Operation.Descendants())
            {
                bool written = operation switch
                {
                    ISimpleAssignmentOperation { Target: ILocalReferenceOperation target } => SymbolEqualityComparer.Default.Equals(target.Local, local),
                    ICompoundAssignmentOperation { Target: ILocalReferenceOperation target } => SymbolEqualityComparer.Default.Equals(target.Local, local),
                    IArgumentOperation { Parameter.RefKind: not RefKind.None, Value: ILocalReferenceOperation target } => SymbolEqualityComparer.Default.Equals(target.Local, local),
                    _ => false,
                };
                if (written)
                    return false;
            }
            return true;
        }
    }
}
