using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using MmSim.Analyzers.Infrastructure;
using MmSim.Analyzers.Infrastructure.Flow;

namespace MmSim.Analyzers.Rules;

/// <summary>
/// MM0001: a call to a [ClearsAnonExclusive] method outside the sanctioned sites (a method marked
/// [AnonExclusiveHelper], [FreePath], [DevicePrivatePath] or itself [ClearsAnonExclusive]), or inside one
/// where the page may be pinned on some path. Mirrors the rule of 78fbe906cc90: "if the page may be
/// pinned, clearing is not allowed". [FreePath] clears (__ClearPageAnonExclusive) are always legal.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ClearAnonExclusiveAnalyzer : PageFlowAnalyzer
{
    /// <summary>Property set when the clear is outside every sanctioned site and can become a try-share.</summary>
    public const string OutsideHelpers = "OutsideHelpers";

    public ClearAnonExclusiveAnalyzer()
        : base(Descriptors.MM0001_ClearAnonExclusiveWhileMaybePinned)
    {
    }

    private protected override PageFlowVisitor CreateVisitor(FlowReportContext context, KnownTypes types) =>
        new Visitor(context);

    private static bool IsClear(IOperation operation) =>
        operation is IInvocationOperation invocation &&
        Contracts.Has(invocation.TargetMethod, Contracts.ClearsAnonExclusive) &&
        !Contracts.Has(invocation.TargetMethod, Contracts.FreePath);

    private sealed class Visitor : PageFlowVisitor
    {
        private readonly FlowReportContext _context;

        public Visitor(FlowReportContext context)
        {
            _context = context;
        }

        public override bool IsRelevant(IOperation operation) => IsClear(operation);

        public override void Visit(IOperation operation, FlowState state, PageOperands operands, ISymbol function)
        {
            if (!IsClear(operation) || operands.SubjectOf(operation) is not { } subject)
                return;
            var invocation = (IInvocationOperation)operation;
            bool unpinnable = Contracts.EnclosingFunctionHas(function, Contracts.FreePath) ||
                Contracts.EnclosingFunctionHas(function, Contracts.DevicePrivatePath);
            bool sanctioned = unpinnable ||
                Contracts.EnclosingFunctionHas(function, Contracts.AnonExclusiveHelper) ||
                Contracts.EnclosingFunctionHas(function, Contracts.ClearsAnonExclusive);
            if (!sanctioned)
            {
                var properties = ImmutableDictionary<string, string?>.Empty.Add(OutsideHelpers, "true");
                Report(invocation, subject, "outside the try-share / try-dup helpers, the free path and device-private handling", properties);
                return;
            }
            if (!unpinnable && operands.Resolve(subject) is { } page && (state.Get(page.Symbol).Pinned & Evidence.Yes) != 0)
                Report(invocation, subject, "while it may be pinned", ImmutableDictionary<string, string?>.Empty);
        }

        private void Report(IInvocationOperation invocation, IOperation subject, string reason, ImmutableDictionary<string, string?> properties) =>
            _context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.MM0001_ClearAnonExclusiveWhileMaybePinned,
                invocation.Syntax.GetLocation(),
                properties,
                invocation.TargetMethod.Name,
                subject.Syntax.ToString(),
                reason));
    }
}
