using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using MmSim.Analyzers.Infrastructure;
using MmSim.Analyzers.Infrastructure.Flow;

namespace MmSim.Analyzers.Rules;

/// <summary>
/// MM0008 (P9): a [Pins] call on a page (a page or folio argument or receiver) that some path proves
/// anonymous, where exclusivity is not proven on every path (gup_must_unshare: <c>!PageAnonExclusive</c>
/// means unshare first), or that may be a KSM page, which is never exclusive. Proofs are those of
/// MM0007: an exclusivity test of that subpage, or a [SetsAnonExclusive] call (an unshare fault's new
/// exclusive page). Pins by address (<c>Process.PinUserPages</c>) unshare inside the runtime and are not
/// about a page here. Not covered: 6.2's unsharing of page-cache pages in private mappings for R/O
/// long-term pins, since the runtime's API does not say how a page is mapped.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class PinWithoutUnshareAnalyzer : PageFlowAnalyzer
{
    public PinWithoutUnshareAnalyzer()
        : base(Descriptors.MM0008_PinWithoutUnshare)
    {
    }

    private protected override PageFlowVisitor CreateVisitor(FlowReportContext context, KnownTypes types) =>
        new Visitor(context, types);

    private static bool IsPin(IOperation operation) =>
        operation is IInvocationOperation invocation && Contracts.Has(invocation.TargetMethod, Contracts.Pins);

    /// <summary>"Not anonymous, or exclusive" for the page the call is about; through another page of the folio only "not anonymous" carries over.</summary>
    private static Evidence WriteSafe(PageFacts facts, PageRef page) =>
        page.SameSubpage ? facts.WriteSafe : facts.Anon == Evidence.No ? Evidence.Yes : Evidence.Unknown;

    private sealed class Visitor : PageFlowVisitor
    {
        private readonly FlowReportContext _context;
        private readonly KnownTypes _types;

        public Visitor(FlowReportContext context, KnownTypes types)
        {
            _context = context;
            _types = types;
        }

        public override bool IsRelevant(IOperation operation) => IsPin(operation);

        public override void Visit(IOperation operation, FlowState state, PageOperands operands, ISymbol function)
        {
            if (!IsPin(operation) || operands.SubjectOf(operation) is not { } subject ||
                (_types.GupPages is not null && SymbolEqualityComparer.Default.Equals(subject.Type, _types.GupPages)) ||
                operands.Resolve(subject) is not { } page)
                return;
            var facts = state.Get(page.Symbol);
            if (!facts.Anon.MayBeYes())
                return;
            string? reason = null;
            if (facts.Ksm.MayBeYes())
                reason = "a KSM page, never exclusive,";
            else if ((WriteSafe(facts, page) & (Evidence.Unknown | Evidence.No | Evidence.AssumedNo)) != 0)
                reason = "anonymous and not proven exclusive";
            if (reason is null)
                return;
            _context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.MM0008_PinWithoutUnshare,
                operation.Syntax.GetLocation(),
                ((IInvocationOperation)operation).TargetMethod.Name,
                subject.Syntax.ToString(),
                reason));
        }
    }
}
