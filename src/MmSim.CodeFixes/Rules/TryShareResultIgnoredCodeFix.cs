using System.Composition;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using MmSim.Analyzers.Infrastructure;
using MmSim.CodeFixes.Infrastructure;

namespace MmSim.CodeFixes.Rules;

/// <summary>
/// MM0005: turns an ignored <c>TryShare(page);</c> (or <c>_ = TryShare(page);</c>) into
/// <c>if (!TryShare(page)) { fail }</c>, the failure branch 7f5abe609b3d added to try_to_migrate().
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(TryShareResultIgnoredCodeFix)), Shared]
public sealed class TryShareResultIgnoredCodeFix : SyntaxRewriteCodeFix<ExpressionStatementSyntax, InvocationExpressionSyntax>
{
    public const string EquivalenceKey = "MM0005.AddFailureBranch";

    public TryShareResultIgnoredCodeFix()
        : base(Descriptors.MM0005_TryShareResultIgnored.Id, "Add the failure branch", EquivalenceKey)
    {
    }

    /// <summary>The statement that drops the result, and the call, when the rewrite applies.</summary>
    private protected override (ExpressionStatementSyntax Node, InvocationExpressionSyntax Fix)? Target(SyntaxNode root, SemanticModel model, Diagnostic diagnostic)
    {
        if (root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not InvocationExpressionSyntax call)
            return null;
        return call.Parent switch
        {
            ExpressionStatementSyntax statement => (statement, call),
            AssignmentExpressionSyntax { Left: IdentifierNameSyntax { Identifier.Text: "_" }, Parent: ExpressionStatementSyntax statement } => (statement, call),
            _ => null,
        };
    }

    private protected override SyntaxNode Rewrite(ExpressionStatementSyntax original, ExpressionStatementSyntax rewritten, InvocationExpressionSyntax call, SemanticModel model, CancellationToken cancel) =>
        FailureBranch.Create(original, call.WithoutTrivia().ToString(), model);
}
