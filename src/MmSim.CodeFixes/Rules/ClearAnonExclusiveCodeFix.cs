using System.Composition;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using MmSim.Analyzers.Infrastructure;
using MmSim.Analyzers.Rules;
using MmSim.CodeFixes.Infrastructure;

namespace MmSim.CodeFixes.Rules;

/// <summary>
/// MM0001: rewrites a stray <c>page.ClearAnonExclusive();</c> to the try-share pattern,
/// <c>if (!AnonRmap.PageTryShareAnonRmap(page)) { fail }</c>, which refuses when the page may be pinned
/// (page_try_share_anon_rmap in include/linux/rmap.h).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ClearAnonExclusiveCodeFix)), Shared]
public sealed class ClearAnonExclusiveCodeFix : SyntaxRewriteCodeFix<ExpressionStatementSyntax, ExpressionSyntax>
{
    public const string EquivalenceKey = "MM0001.UseTryShare";

    private const string AnonRmapType = "MmSim.Rmap.AnonRmap";
    private const string TryShare = "PageTryShareAnonRmap";

    public ClearAnonExclusiveCodeFix()
        : base(Descriptors.MM0001_ClearAnonExclusiveWhileMaybePinned.Id, "Use the try-share helper and handle its failure", EquivalenceKey)
    {
    }

    /// <summary>The clear statement and its page receiver, when the rewrite applies.</summary>
    private protected override (ExpressionStatementSyntax Node, ExpressionSyntax Fix)? Target(SyntaxNode root, SemanticModel model, Diagnostic diagnostic)
    {
        if (!diagnostic.Properties.ContainsKey(ClearAnonExclusiveAnalyzer.OutsideHelpers) ||
            root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not InvocationExpressionSyntax
            {
                Parent: ExpressionStatementSyntax statement,
                Expression: MemberAccessExpressionSyntax { Expression: var page },
                ArgumentList.Arguments.Count: 0,
            } ||
            TryShareName(model, statement.SpanStart) is null)
            return null;
        return (statement, page);
    }

    private protected override SyntaxNode Rewrite(ExpressionStatementSyntax original, ExpressionStatementSyntax rewritten, ExpressionSyntax page, SemanticModel model, CancellationToken cancel) =>
        FailureBranch.Create(original, $"{TryShareName(model, original.SpanStart)}({page.WithoutTrivia()})", model);

    /// <summary><c>AnonRmap.PageTryShareAnonRmap</c> if the type is in scope, else its full name; null without the runtime's helper.</summary>
    private static string? TryShareName(SemanticModel model, int position)
    {
        var type = model.Compilation.GetTypeByMetadataName(AnonRmapType);
        if (type is null || !type.GetMembers(TryShare).Any(m => model.IsAccessible(position, m)))
            return null;
        bool inScope = model.LookupNamespacesAndTypes(position, name: type.Name).Any(s => SymbolEqualityComparer.Default.Equals(s, type));
        return (inScope ? type.Name : "MmSim.Rmap." + type.Name) + "." + TryShare;
    }
}
