using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using MmSim.Analyzers.Infrastructure;
using MmSim.Analyzers.Infrastructure.Flow;

namespace MmSim.Analyzers.Rules;

/// <summary>
/// MM0007 (P8): a [GrantsWrite] call (pte_mkwrite / maybe_mkwrite / wp_page_reuse for a page) on a page that
/// some path proves anonymous, without exclusivity proven on every path. Proofs: an [ExclusivePredicate]
/// test of that subpage, a [SetsAnonExclusive] call (page_move_anon_rmap after the refcount-1 reuse test
/// under the folio lock: do_wp_page's correct reuse), or a folio fresh from a [FreshPage] allocator
/// (do_anonymous_page builds the writable entry before setting the flag). Mapcount, refcount or dirtiness
/// tests are never proofs. A debug-only assertion counts here and is MM0012's business. Not covered:
/// migration-entry evidence (remove_migration_pte), since entries do not carry their page.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class WriteGrantWithoutExclusivityAnalyzer : PageFlowAnalyzer
{
    public WriteGrantWithoutExclusivityAnalyzer()
        : base(Descriptors.MM0007_WriteGrantWithoutExclusivity)
    {
    }

    private protected override PageFlowVisitor CreateVisitor(FlowReportContext context, KnownTypes types) =>
        new Visitor(context);

    private static bool GrantsWrite(IOperation operation) =>
        operation is IInvocationOperation invocation && Contracts.Has(invocation.TargetMethod, Contracts.GrantsWrite);

    /// <summary>"Not anonymous, or exclusive" for the page the call is about; through another page of the folio only "not anonymous" carries over.</summary>
    private static Evidence WriteSafe(PageFacts facts, PageRef page) =>
        page.SameSubpage ? facts.WriteSafe : facts.Anon == Evidence.No ? Evidence.Yes : Evidence.Unknown;

    private sealed class Visitor : PageFlowVisitor
    {
        private readonly FlowReportContext _context;

        public Visitor(FlowReportContext context)
        {
            _context = context;
        }

        public override bool IsRelevant(IOperation operation) => GrantsWrite(operation);

        public override void Visit(IOperation operation, FlowState state, PageOperands operands, ISymbol function)
        {
            if (!GrantsWrite(operation) || operands.SubjectOf(operation) is not { } subject || operands.Resolve(subject) is not { } page)
                return;
            var facts = state.Get(page.Symbol);
            bool proven = (WriteSafe(facts, page) & (Evidence.Unknown | Evidence.No | Evidence.AssumedNo)) == 0;
            if (!facts.Anon.MayBeYes() || proven || facts.Fresh.IsProvenYes())
                return;
            _context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.MM0007_WriteGrantWithoutExclusivity,
                operation.Syntax.GetLocation(),
                ((IInvocationOperation)operation).TargetMethod.Name,
                subject.Syntax.ToString()));
        }
    }
}
