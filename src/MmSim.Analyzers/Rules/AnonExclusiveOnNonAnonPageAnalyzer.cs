using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using MmSim.Analyzers.Infrastructure;
using MmSim.Analyzers.Infrastructure.Flow;

namespace MmSim.Analyzers.Rules;

/// <summary>
/// MM0003: an [AnonOnly] member (PageAnonExclusive and its setters) used on a page that on some path is
/// known not to be anonymous (a false [AnonPredicate], a true [ZeroPagePredicate], a [NotAnon]
/// parameter), or a modifier used on a page known to be KSM. Testing the flag on a KSM page is legal:
/// gup_must_unshare relies on it returning false. A page of unknown kind is not reported.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class AnonExclusiveOnNonAnonPageAnalyzer : PageFlowAnalyzer
{
    /// <summary>Property naming the predicate attribute of the guard the fix adds.</summary>
    public const string GuardPredicate = "GuardPredicate";

    /// <summary>Property: the guard requires the predicate to be false (<c>!page.IsKsm</c>).</summary>
    public const string GuardNegated = "GuardNegated";

    public AnonExclusiveOnNonAnonPageAnalyzer()
        : base(Descriptors.MM0003_AnonExclusiveOnNonAnonPage)
    {
    }

    private protected override PageFlowVisitor CreateVisitor(FlowReportContext context, KnownTypes types) =>
        new Visitor(context);

    private static ISymbol? AnonOnlyMember(IOperation operation) => operation switch
    {
        IPropertyReferenceOperation property when Contracts.Has(property.Property, Contracts.AnonOnly) => property.Property,
        IInvocationOperation invocation when Contracts.Has(invocation.TargetMethod, Contracts.AnonOnly) => invocation.TargetMethod,
        _ => null,
    };

    private sealed class Visitor : PageFlowVisitor
    {
        private readonly FlowReportContext _context;

        public Visitor(FlowReportContext context)
        {
            _context = context;
        }

        public override bool IsRelevant(IOperation operation) => AnonOnlyMember(operation) is not null;

        public override void Visit(IOperation operation, FlowState state, PageOperands operands, ISymbol function)
        {
            if (AnonOnlyMember(operation) is not { } member || operands.SubjectOf(operation) is not { } subject ||
                operands.Resolve(subject) is not { } page)
                return;
            var facts = state.Get(page.Symbol);
            var properties = ImmutableDictionary<string, string?>.Empty;
            string reason;
            if (facts.Anon.MayBeNo())
            {
                reason = "is not (or may not be) anonymous";
                properties = properties.Add(GuardPredicate, Contracts.AnonPredicate);
            }
            else if (IsModifier(member) && facts.Ksm.MayBeYes())
            {
                reason = "is (or may be) a KSM page, which is never exclusive";
                properties = properties.Add(GuardPredicate, Contracts.KsmPredicate).Add(GuardNegated, "true");
            }
            else
            {
                return;
            }
            _context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.MM0003_AnonExclusiveOnNonAnonPage,
                operation.Syntax.GetLocation(),
                properties,
                member.Name,
                subject.Syntax.ToString(),
                reason));
        }

        /// <summary>Set / Clear, as opposed to the test; the free path's clear may see KSM pages.</summary>
        private static bool IsModifier(ISymbol member) =>
            member is IMethodSymbol && !Contracts.Has(member, Contracts.ExclusivePredicate) && !Contracts.Has(member, Contracts.FreePath);
    }
}
