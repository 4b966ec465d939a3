using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
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
public sealed class ClearAnonExclusiveCodeFix : CodeFixProvider
{
    public const string EquivalenceKey = "MM0001.UseTryShare";

    private const string AnonRmapType = "MmSim.Rmap.AnonRmap";
    private const string TryShare = "PageTryShareAnonRmap";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } =
        ImmutableArray.Create(Descriptors.MM0001_ClearAnonExclusiveWhileMaybePinned.Id);

    public override FixAllProvider GetFixAllProvider() =>
        FixAllProvider.Create(async (context, document, diagnostics) => await FixDocumentAsync(document, diagnostics, context.CancellationToken).ConfigureAwait(false));

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || model is null)
            return;
        foreach (var diagnostic in context.Diagnostics)
        {
            if (Fixable(root, model, diagnostic) is null)
                continue;
            context.RegisterCodeFix(
                CodeAction.Create(
                    "Use the try-share helper and handle its failure",
                    cancel => FixDocumentAsync(context.Document, ImmutableArray.Create(diagnostic), cancel),
                    EquivalenceKey),
                diagnostic);
        }
    }

    /// <summary>The clear statement and its page receiver, when the rewrite applies.</summary>
    private static (ExpressionStatementSyntax Statement, ExpressionSyntax Page)? Fixable(SyntaxNode root, SemanticModel model, Diagnostic diagnostic)
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

    private static async Task<Document> FixDocumentAsync(Document document, ImmutableArray<Diagnostic> diagnostics, CancellationToken cancel)
    {
        var root = await document.GetSyntaxRootAsync(cancel).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(cancel).ConfigureAwait(false);
        if (root is null || model is null)
            return document;
        var fixes = new Dictionary<SyntaxNode, ExpressionSyntax>();
        foreach (var diagnostic in diagnostics)
        {
            if (Fixable(root, model, diagnostic) is { } fix)
                fixes[fix.Statement] = fix.Page;
        }
        if (fixes.Count == 0)
            return document;
        var newRoot = root.ReplaceNodes(fixes.Keys, (original, _) =>
        {
            var statement = (ExpressionStatementSyntax)original;
            string call = $"{TryShareName(model, statement.SpanStart)}({fixes[original].WithoutTrivia()})";
            return FailureBranch.Create(statement, call, model);
        });
        return document.WithSyntaxRoot(newRoot);
    }

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
