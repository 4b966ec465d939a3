using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using MmSim.Analyzers.Infrastructure;
using MmSim.Analyzers.Infrastructure.Flow;

namespace MmSim.Analyzers.Rules;

/// <summary>
/// MM0004 (P6): a flag whose descriptor carries [PageFlagPolicy] accessed through a Page that some path has
/// proven to be of the wrong shape ([TailPredicate], [HeadPredicate]): PF_ONLY_HEAD through a tail,
/// PF_NO_TAIL modified through a tail (testing is legal: the kernel redirects to the head),
/// PF_NO_COMPOUND modified on a head or tail, PF_SECOND through a page that is not a head; and the
/// anon-exclusive accessors on a page that may be a hugetlb tail ([HugetlbPredicate]). Folio accessors
/// always reach the head and are fine; a page of unknown shape is not reported.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class FlagPolicyViolationAnalyzer : PageFlowAnalyzer
{
    /// <summary>Property set when going through <c>CompoundHead</c> fixes the access.</summary>
    public const string UseHead = "UseHead";

    // FlagPolicy values (MmSim.PageFlags.FlagPolicy)
    private const int OnlyHead = 2;
    private const int NoTail = 3;
    private const int NoCompound = 4;
    private const int Second = 5;

    public FlagPolicyViolationAnalyzer()
        : base(Descriptors.MM0004_FlagPolicyViolation)
    {
    }

    private protected override PageFlowVisitor CreateVisitor(FlowReportContext context, KnownTypes types) =>
        new Visitor(context, types);

    /// <summary>The policy of the flag an invocation passes, if any.</summary>
    private static int? PolicyArgument(IInvocationOperation invocation)
    {
        foreach (var argument in invocation.Arguments)
        {
            var value = argument.Value;
            while (value is IConversionOperation conversion)
                value = conversion.Operand;
            if (value is IFieldReferenceOperation field && Contracts.PolicyOf(field.Field) is { } policy)
                return policy;
        }
        return null;
    }

    private sealed class Visitor : PageFlowVisitor
    {
        private readonly FlowReportContext _context;
        private readonly KnownTypes _types;

        public Visitor(FlowReportContext context, KnownTypes types)
        {
            _context = context;
            _types = types;
        }

        public override bool IsRelevant(IOperation operation) =>
            operation is IInvocationOperation invocation && PolicyArgument(invocation) is not null ||
            operation is IPropertyReferenceOperation property && Contracts.Has(property.Property, Contracts.AnonOnly) ||
            operation is IInvocationOperation anonOnly && Contracts.Has(anonOnly.TargetMethod, Contracts.AnonOnly);

        public override void Visit(IOperation operation, FlowState state, PageOperands operands, ISymbol function)
        {
            var (receiver, member) = operation switch
            {
                IInvocationOperation { Instance: { } instance } invocation => (instance, (ISymbol)invocation.TargetMethod),
                IPropertyReferenceOperation { Instance: { } instance } property => (instance, property.Property),
                _ => (null, null),
            };
            if (receiver is null || member is null || !SymbolEqualityComparer.Default.Equals(receiver.Type, _types.Page) ||
                operands.Resolve(receiver) is not { SameSubpage: true } page)
                return;
            var facts = state.Get(page.Symbol);
            if (Problem(operation, member, facts) is not { } problem)
                return;
            var properties = problem.FixByHead ? ImmutableDictionary<string, string?>.Empty.Add(UseHead, "true") : ImmutableDictionary<string, string?>.Empty;
            _context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.MM0004_FlagPolicyViolation,
                operation.Syntax.GetLocation(),
                properties,
                operation.Syntax.ToString(),
                receiver.Syntax.ToString(),
                problem.Reason));
        }

        private static (string Reason, bool FixByHead)? Problem(IOperation operation, ISymbol member, PageFacts facts)
        {
            if (Contracts.Has(member, Contracts.AnonOnly))
            {
                // a hugetlb folio is always large, so a hugetlb page that is not the head is a tail
                return facts.Hugetlb.MayBeYes() && (facts.Tail.MayBeYes() || facts.Head.MayBeNo())
                    ? ("is (or may be) a hugetlb tail page: hugetlb keeps PG_anon_exclusive on the head only", true)
                    : null;
            }
            if (operation is not IInvocationOperation invocation || PolicyArgument(invocation) is not { } policy)
                return null;
            bool modifies = invocation.TargetMethod.Name != "Test";
            return policy switch
            {
                OnlyHead when facts.Tail.MayBeYes() =>
                    ("is (or may be) a tail page: PF_ONLY_HEAD flags are accessed through the head only", true),
                NoTail when modifies && facts.Tail.MayBeYes() =>
                    ("is (or may be) a tail page: PF_NO_TAIL flags are modified through the head only", true),
                NoCompound when modifies && (facts.Tail.MayBeYes() || facts.Head.MayBeYes()) =>
                    ("is (or may be) part of a compound page: PF_NO_COMPOUND flags are not modified there", false),
                Second when facts.Head.MayBeNo() =>
                    ("is (or may be) not the head of a large folio: PF_SECOND flags live in page[1] and are reached through the head", facts.Tail.MayBeYes()),
                _ => null,
            };
        }
    }
}
