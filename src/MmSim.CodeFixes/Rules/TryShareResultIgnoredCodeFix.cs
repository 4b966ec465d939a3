using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
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
public sealed class TryShareResultIgnoredCodeFix : CodeFixProvider
{
    public const string EquivalenceKey = "MM0005.AddFailureBranch";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } =
        ImmutableArray.Create(Descriptors.MM0005_TryShareResultIgnored.Id);

    public override FixAllProvider GetFixAllProvider() =>
        FixAllProvider.Create(async (context, document, diagnostics) => await FixDocumentAsync(document, diagnostics, context.CancellationToken).ConfigureAwait(false));

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null)
            return;
        foreach (var diagnostic in context.Diagnostics)
        {
            if (Fixable(root, diagnostic) is null)
                continue;
            context.RegisterCodeFix(
                CodeAction.Create(
                    "Add the failure branch",
                    cancel => FixDocumentAsync(context.Document, ImmutableArray.Create(diagnostic), cancel),
                    EquivalenceKey),
                diagnostic);
        }
    }

    /// <summary>The statement that drops the result, and the call, when the rewrite applies.</summary>
    private static (ExpressionStatementSyntax Statement, InvocationExpressionSyntax Call)? Fixable(SyntaxNode root, Diagnostic diagnostic)
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

    private static async Task<Document> FixDocumentAsync(Document document, ImmutableArray<Diagnostic> diagnostics, CancellationToken cancel)
    {
        var root = await document.GetSyntaxRootAsync(cancel).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(cancel).ConfigureAwait(false);
        if (root is null || model is null)
            return document;
        var fixes = new Dictionary<SyntaxNode, InvocationExpressionSyntax>();
        foreach (var diagnostic in diagnostics)
        {
            if (Fixable(root, diagnostic) is { } fix)
                fixes[fix.Statement] = fix.Call;
        }
        if (fixes.Count == 0)
            return document;
        var newRoot = root.ReplaceNodes(fixes.Keys, (original, _) =>
            FailureBranch.Create((ExpressionStatementSyntax)original, fixes[original].WithoutTrivia().ToString(), model));
        return document.WithSyntaxRoot(newRoot);
    }
}
