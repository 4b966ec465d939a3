using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using MmSim.Analyzers.Infrastructure;
using MmSim.Analyzers.Infrastructure.Flow;

namespace MmSim.Analyzers.Rules;

/// <summary>
/// MM0006: a call to a [RequiresAnonExclusive] method (page_try_share_anon_rmap) on a page that is not
/// proven exclusive on every path: an [ExclusivePredicate] test of that same subpage must guard it (P4).
/// This is a precondition, so an unknown page is reported; a page that could not be traced to a local
/// or parameter is not. A debug-only assertion of exclusivity counts as a proof here and is MM0012's
/// business. The order "entry cleared before the call" (P3) is not checked: the runtime's page-table
/// API does not tie an entry to its page.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class TryShareWithoutExclusivityTestAnalyzer : PageFlowAnalyzer
{
    public TryShareWithoutExclusivityTestAnalyzer()
        : base(Descriptors.MM0006_TryShareWithoutExclusivityTest)
    {
    }

    private protected override PageFlowVisitor CreateVisitor(FlowReportContext context, KnownTypes types) =>
        new Visitor(context);

    private static bool RequiresExclusive(IOperation operation) =>
        operation is IInvocationOperation invocation && Contracts.Has(invocation.TargetMethod, Contracts.RequiresAnonExclusive);

    private sealed class Visitor : PageFlowVisitor
    {
        private readonly FlowReportContext _context;

        public Visitor(FlowReportContext context)
        {
            _context = context;
        }

        public override bool IsRelevant(IOperation operation) => RequiresExclusive(operation);

        public override void Visit(IOperation operation, FlowState state, PageOperands operands, ISymbol function)
        {
            if (!RequiresExclusive(operation) || operands.SubjectOf(operation) is not { } subject || operands.Resolve(subject) is not { } page)
                return;
            var exclusive = page.SameSubpage ? state.Get(page.Symbol).Exclusive : Evidence.Unknown;
            if ((exclusive & (Evidence.Unknown | Evidence.No | Evidence.AssumedNo)) == 0)
                return;
            _context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.MM0006_TryShareWithoutExclusivityTest,
                operation.Syntax.GetLocation(),
                ((IInvocationOperation)operation).TargetMethod.Name,
                subject.Syntax.ToString()));
        }
    }
}
