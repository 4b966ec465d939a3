using System.Composition;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using MmSim.Analyzers.Infrastructure;
using MmSim.Analyzers.Rules;
using MmSim.CodeFixes.Infrastructure;

namespace MmSim.CodeFixes.Rules;

/// <summary>
/// MM0003: guards the anon-exclusive access with the page's anon test (<c>page.IsAnon</c>), or, for a
/// modification of a possible KSM page, with <c>!page.IsKsm</c>, the checks PageAnonExclusive's
/// VM_BUG_ON_PGFLAGS expect the caller to have made.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AnonExclusiveOnNonAnonPageCodeFix)), Shared]
public sealed class AnonExclusiveOnNonAnonPageCodeFix : PredicateGuardCodeFix
{
    public const string EquivalenceKey = "MM0003.AddGuard";

    public AnonExclusiveOnNonAnonPageCodeFix()
        : base(Descriptors.MM0003_AnonExclusiveOnNonAnonPage.Id, EquivalenceKey)
    {
    }

    private protected override string Title(string guard) => $"Guard with '{guard}'";

    private protected override (SyntaxNode Target, string Guard)? Guard(SyntaxNode root, SemanticModel model, Diagnostic diagnostic)
    {
        if (!diagnostic.Properties.TryGetValue(AnonExclusiveOnNonAnonPageAnalyzer.GuardPredicate, out var predicate) || predicate is null)
            return null;
        bool negated = diagnostic.Properties.ContainsKey(AnonExclusiveOnNonAnonPageAnalyzer.GuardNegated);
        var node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
        var (access, receiver) = node switch
        {
            InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax member } invocation => ((ExpressionSyntax)invocation, member.Expression),
            MemberAccessExpressionSyntax member => (member, member.Expression),
            _ => ((ExpressionSyntax?)null, (ExpressionSyntax?)null),
        };
        if (access is null || receiver is null ||
            PredicateGuard.Target(access, model) is not { } target ||
            PredicateGuard.GuardText(receiver, predicate, negated, model) is not { } guard)
            return null;
        return (target, guard);
    }
}
