using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace MmSim.Analyzers.Infrastructure.Flow;

/// <summary>
/// One page-fact analysis per body for every flow rule. Each rule is its own analyzer (its id, its
/// severity, its tests), but the analysis of a body does not depend on the rule: the first rule the driver
/// runs on a body runs it once with every rule's visitor and keeps the diagnostics; each rule then reports
/// its own. The results live as long as the compilation.
/// </summary>
internal sealed class SharedFlowPass
{
    private static readonly ConditionalWeakTable<Compilation, SharedFlowPass> ByCompilation = new();

    private readonly ConcurrentDictionary<SyntaxNode, Lazy<IReadOnlyList<Diagnostic>>> _bodies = new();

    public static SharedFlowPass For(Compilation compilation) => ByCompilation.GetValue(compilation, _ => new SharedFlowPass());

    /// <summary>Every flow rule's diagnostics for the body <paramref name="context"/> is about, computed once.</summary>
    public IReadOnlyList<Diagnostic> Diagnostics(OperationAnalysisContext context, KnownTypes types, IReadOnlyList<PageFlowAnalyzer> rules)
    {
        var body = context.Operation;
        var cancellationToken = context.CancellationToken;
        var lazy = _bodies.GetOrAdd(body.Syntax, _ => new Lazy<IReadOnlyList<Diagnostic>>(
            () => Run(context, types, rules, cancellationToken), LazyThreadSafetyMode.ExecutionAndPublication));
        try
        {
            return lazy.Value;
        }
        catch (OperationCanceledException)
        {
            // a cancelled run is not a result: the next rule to ask runs it again
            ((ICollection<KeyValuePair<SyntaxNode, Lazy<IReadOnlyList<Diagnostic>>>>)_bodies).Remove(
                new KeyValuePair<SyntaxNode, Lazy<IReadOnlyList<Diagnostic>>>(body.Syntax, lazy)); // only if still ours
            throw;
        }
    }

    private static IReadOnlyList<Diagnostic> Run(OperationAnalysisContext context, KnownTypes types, IReadOnlyList<PageFlowAnalyzer> rules, CancellationToken cancellationToken)
    {
        // code that does not compile gets its compiler errors, not guesses
        if (BrokenCode.Contains(context.Operation))
            return Array.Empty<Diagnostic>();
        var report = new FlowReportContext(context.Operation, cancellationToken);
        var visitors = ImmutableArray.CreateBuilder<PageFlowVisitor>(rules.Count);
        foreach (var rule in rules)
            visitors.Add(rule.CreateVisitorFor(report, types));
        var all = new CompositeVisitor(visitors.MoveToImmutable());
        if (!IsRelevant(context.Operation, all))
            return Array.Empty<Diagnostic>();
        // the driver builds the graph of a body once and shares it with every analyzer that asks
        var cfg = context.GetControlFlowGraph();
        PageFlowAnalysis.Run(cfg, context.ContainingSymbol, types, all, cancellationToken);
        return report.Diagnostics;
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

    /// <summary>Every rule's visitor, shown each operation in turn.</summary>
    private sealed class CompositeVisitor : PageFlowVisitor
    {
        private readonly ImmutableArray<PageFlowVisitor> _visitors;

        public CompositeVisitor(ImmutableArray<PageFlowVisitor> visitors) => _visitors = visitors;

        public override bool IsRelevant(IOperation operation)
        {
            foreach (var visitor in _visitors)
            {
                if (visitor.IsRelevant(operation))
                    return true;
            }
            return false;
        }

        public override void Visit(IOperation operation, FlowState state, PageOperands operands, ISymbol function)
        {
            foreach (var visitor in _visitors)
                visitor.Visit(operation, state, operands, function);
        }

        public override void AtExit(FlowState state, ISymbol function)
        {
            foreach (var visitor in _visitors)
                visitor.AtExit(state, function);
        }
    }
}
