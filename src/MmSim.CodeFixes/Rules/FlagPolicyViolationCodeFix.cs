using System.Composition;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using MmSim.Analyzers.Infrastructure;
using MmSim.Analyzers.Rules;
using MmSim.CodeFixes.Infrastructure;

namespace MmSim.CodeFixes.Rules;

/// <summary>
/// MM0004: goes through the folio head, <c>page.Set(flag)</c> to <c>page.CompoundHead.Set(flag)</c>, which is
/// where PF_ONLY_HEAD / PF_NO_TAIL flags and hugetlb's PG_anon_exclusive live (compound_head()).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(FlagPolicyViolationCodeFix)), Shared]
public sealed class FlagPolicyViolationCodeFix : SyntaxRewriteCodeFix<ExpressionSyntax>
{
    public const string EquivalenceKey = "MM0004.UseHead";

    public FlagPolicyViolationCodeFix()
        : base(Descriptors.MM0004_FlagPolicyViolation.Id, "Go through the head (CompoundHead)", EquivalenceKey)
    {
    }

    /// <summary>The receiver of the flag access.</summary>
    private protected override ExpressionSyntax? Target(SyntaxNode root, Diagnostic diagnostic)
    {
        if (!diagnostic.Properties.ContainsKey(FlagPolicyViolationAnalyzer.UseHead))
            return null;
        return root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) switch
        {
            InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax member } => member.Expression,
            MemberAccessExpressionSyntax member => member.Expression,
            _ => null,
        };
    }

    private protected override SyntaxNode Rewrite(ExpressionSyntax original, ExpressionSyntax rewritten) =>
        SyntaxFactory.MemberAccessExpression(
                SyntaxKind.SimpleMemberAccessExpression,
                rewritten is IdentifierNameSyntax or MemberAccessExpressionSyntax or InvocationExpressionSyntax or ThisExpressionSyntax
                    ? rewritten.WithoutTrivia()
                    : SyntaxFactory.ParenthesizedExpression(rewritten.WithoutTrivia()),
                SyntaxFactory.IdentifierName("CompoundHead"))
            .WithTriviaFrom(original);
}
