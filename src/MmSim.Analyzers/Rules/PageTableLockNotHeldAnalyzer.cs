using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using MmSim.Analyzers.Infrastructure;
using MmSim.Analyzers.Infrastructure.Flow;

namespace MmSim.Analyzers.Rules;

/// <summary>
/// MM0009 (P12): a call to a [RequiresPageTableLock] method where, on some path, the PT lock is known not to
/// be held: after the function released it (end of a <c>lock (pageTable.PtLock(slot))</c>, Monitor.Exit,
/// [ReleasesPageTableLock]), or before it first takes it in a function that takes it itself. A function
/// that never touches the PT lock leaves it to its callers and is not reported. The flow does not tell
/// one PT lock from another (fork holds two), and exclusivity tests are not required under the lock:
/// GUP-fast tests without it by design and re-checks with the seqcount.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class PageTableLockNotHeldAnalyzer : PageFlowAnalyzer
{
    public PageTableLockNotHeldAnalyzer()
        : base(Descriptors.MM0009_PageTableLockNotHeld)
    {
    }

    private protected override PageFlowVisitor CreateVisitor(FlowReportContext context, KnownTypes types) =>
        new Visitor(context);

    private static bool RequiresLock(IOperation operation) =>
        operation is IInvocationOperation invocation && Contracts.Has(invocation.TargetMethod, Contracts.RequiresPageTableLock);

    private sealed class Visitor : PageFlowVisitor
    {
        private readonly FlowReportContext _context;

        public Visitor(FlowReportContext context)
        {
            _context = context;
        }

        public override bool IsRelevant(IOperation operation) => RequiresLock(operation);

        public override void Visit(IOperation operation, FlowState state, PageOperands operands, ISymbol function)
        {
            if (!RequiresLock(operation) || !state.LockHeld.MayBeNo())
                return;
            _context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.MM0009_PageTableLockNotHeld,
                operation.Syntax.GetLocation(),
                ((IInvocationOperation)operation).TargetMethod.Name));
        }
    }
}
