using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using MmSim.Analyzers.Infrastructure;
using MmSim.Analyzers.Infrastructure.Flow;

namespace MmSim.Analyzers.Rules;

/// <summary>
/// MM0011: a [PutsReference] call on a page whose only reference of ours is a pin ([Pins]), or an
/// [Unpins] call on a page whose only reference of ours is a FOLL_GET one ([GetsReference]), on some
/// path (P14). A page holding both (get while pinned) is not reported.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class GetPutMixedWithPinUnpinAnalyzer : PageFlowAnalyzer
{
    /// <summary>Property naming the matching release method of the same type, when there is one.</summary>
    public const string MatchingRelease = "MatchingRelease";

    public GetPutMixedWithPinUnpinAnalyzer()
        : base(Descriptors.MM0011_GetPutMixedWithPinUnpin)
    {
    }

    private protected override PageFlowVisitor CreateVisitor(FlowReportContext context, KnownTypes types) =>
        new Visitor(context);

    private static bool IsRelease(IOperation operation) =>
        operation is IInvocationOperation invocation &&
        (Contracts.Has(invocation.TargetMethod, Contracts.PutsReference) || Contracts.Has(invocation.TargetMethod, Contracts.Unpins));

    /// <summary>A method of the same type with <paramref name="attribute"/> and the same parameter types.</summary>
    private static IMethodSymbol? Counterpart(IMethodSymbol release, string attribute) =>
        release.ContainingType.GetMembers().OfType<IMethodSymbol>().FirstOrDefault(candidate =>
            Contracts.Has(candidate, attribute) &&
            candidate.IsStatic == release.IsStatic &&
            candidate.Parameters.Length == release.Parameters.Length &&
            candidate.Parameters.Zip(release.Parameters, (a, b) => SymbolEqualityComparer.Default.Equals(a.Type, b.Type)).All(same => same));

    private sealed class Visitor : PageFlowVisitor
    {
        private readonly FlowReportContext _context;

        public Visitor(FlowReportContext context)
        {
            _context = context;
        }

        public override bool IsRelevant(IOperation operation) => IsRelease(operation);

        public override void Visit(IOperation operation, FlowState state, PageOperands operands, ISymbol function)
        {
            if (!IsRelease(operation) || operands.SubjectOf(operation) is not { } subject || operands.Resolve(subject) is not { } page)
                return;
            var invocation = (IInvocationOperation)operation;
            var facts = state.Get(page.Symbol);
            bool isPut = Contracts.Has(invocation.TargetMethod, Contracts.PutsReference);
            var (mine, other) = isPut ? (facts.OwnReference, facts.OwnPin) : (facts.OwnPin, facts.OwnReference);
            if (!other.MayBeYes() || mine.MayBeYes())
                return;
            var properties = ImmutableDictionary<string, string?>.Empty;
            if (Counterpart(invocation.TargetMethod, isPut ? Contracts.Unpins : Contracts.PutsReference) is { } matching)
                properties = properties.Add(MatchingRelease, matching.Name);
            _context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.MM0011_GetPutMixedWithPinUnpin,
                operation.Syntax.GetLocation(),
                properties,
                invocation.TargetMethod.Name,
                isPut ? "drops a reference of" : "unpins",
                subject.Syntax.ToString(),
                isPut ? "a FOLL_PIN pin (a put leaves the page looking pinned forever)" : "a FOLL_GET reference (an unpin underflows the refcount)",
                isPut ? "an [Unpins] method" : "a [PutsReference] method"));
        }
    }
}
