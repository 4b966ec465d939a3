using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using MmSim.Analyzers.Infrastructure;
using MmSim.Analyzers.Infrastructure.Flow;

namespace MmSim.Analyzers.Rules;

/// <summary>
/// MM0012: a [DebugOnlyCheck] (VM_BUG_ON) is what a security decision relies on. The decisions and the
/// fact each needs: clearing PG_anon_exclusive ([ClearsAnonExclusive]) needs "not pinned"; sharing
/// ([RequiresAnonExclusive], page_try_share_anon_rmap) and granting write access ([GrantsWrite]) need
/// "exclusive". When on some path the fact
/// comes only from the debug-only check, the check is reported, once, with the decision as an
/// additional location. A real test of the same fact before or after the assertion silences it.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class DebugOnlySecurityCheckAnalyzer : PageFlowAnalyzer
{
    /// <summary>Property naming the always-on check the fix switches to.</summary>
    public const string AlwaysOnCheck = "AlwaysOnCheck";

    public DebugOnlySecurityCheckAnalyzer()
        : base(Descriptors.MM0012_DebugOnlyCheckGuardsSecurityDecision)
    {
    }

    private protected override PageFlowVisitor CreateVisitor(FlowReportContext context, KnownTypes types) =>
        new Visitor(context);

    /// <summary>
    /// The always-on check (BUG_ON) next to a debug-only one (VM_BUG_ON): a method of the same type, not
    /// [DebugOnlyCheck], with the same parameter types, whose condition parameter is [DoesNotReturnIf(true)].
    /// </summary>
    private static IMethodSymbol? AlwaysOnCounterpart(IMethodSymbol debugCheck)
    {
        foreach (var candidate in debugCheck.ContainingType.GetMembers().OfType<IMethodSymbol>())
        {
            if (Contracts.Has(candidate, Contracts.DebugOnlyCheck) || candidate.IsStatic != debugCheck.IsStatic ||
                candidate.Parameters.Length != debugCheck.Parameters.Length)
                continue;
            bool sameShape = candidate.Parameters.Zip(debugCheck.Parameters, (a, b) => SymbolEqualityComparer.Default.Equals(a.Type, b.Type)).All(same => same);
            if (sameShape && candidate.Parameters.Any(p => p.Type.SpecialType == SpecialType.System_Boolean && FailsWhenTrue(p)))
                return candidate;
        }
        return null;
    }

    private static bool FailsWhenTrue(IParameterSymbol parameter) =>
        parameter.GetAttributes().Any(a =>
            a.AttributeClass?.ToDisplayString() == "System.Diagnostics.CodeAnalysis.DoesNotReturnIfAttribute" &&
            a.ConstructorArguments.Length == 1 && a.ConstructorArguments[0].Value is true);

    private static bool IsDecision(IOperation operation) =>
        operation is IInvocationOperation invocation &&
        ((Contracts.Has(invocation.TargetMethod, Contracts.ClearsAnonExclusive) && !Contracts.Has(invocation.TargetMethod, Contracts.FreePath)) ||
         Contracts.Has(invocation.TargetMethod, Contracts.RequiresAnonExclusive) ||
         Contracts.Has(invocation.TargetMethod, Contracts.GrantsWrite));

    private sealed class Visitor : PageFlowVisitor
    {
        private readonly FlowReportContext _context;
        private readonly HashSet<SyntaxNode> _reported = new();

        public Visitor(FlowReportContext context)
        {
            _context = context;
        }

        public override bool IsRelevant(IOperation operation) =>
            operation is IInvocationOperation invocation && Contracts.Has(invocation.TargetMethod, Contracts.DebugOnlyCheck);

        public override void Visit(IOperation operation, FlowState state, PageOperands operands, ISymbol function)
        {
            if (!IsDecision(operation) || operands.SubjectOf(operation) is not { } subject || operands.Resolve(subject) is not { } page)
                return;
            var invocation = (IInvocationOperation)operation;
            var facts = state.Get(page.Symbol);
            bool needsExclusive = Contracts.Has(invocation.TargetMethod, Contracts.RequiresAnonExclusive) ||
                Contracts.Has(invocation.TargetMethod, Contracts.GrantsWrite);
            bool reliesOnAssumption = needsExclusive
                ? (facts.Exclusive & Evidence.AssumedYes) != 0
                : (facts.Pinned & Evidence.AssumedNo) != 0;
            if (!reliesOnAssumption || facts.Assumption is not IInvocationOperation check || !_reported.Add(check.Syntax))
                return;
            var properties = ImmutableDictionary<string, string?>.Empty;
            if (AlwaysOnCounterpart(check.TargetMethod) is { } alwaysOn)
                properties = properties.Add(AlwaysOnCheck, alwaysOn.Name);
            _context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.MM0012_DebugOnlyCheckGuardsSecurityDecision,
                check.Syntax.GetLocation(),
                new[] { invocation.Syntax.GetLocation() },
                properties,
                check.TargetMethod.Name,
                invocation.TargetMethod.Name,
                subject.Syntax.ToString()));
        }
    }
}
