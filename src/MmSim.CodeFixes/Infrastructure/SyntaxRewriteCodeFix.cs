using System.Collections.Generic;
using System.Collections.Immutable;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;

namespace MmSim.CodeFixes.Infrastructure;

/// <summary>
/// A fix that rewrites one syntax node per diagnostic, the same way for each: the rule finds the node, this
/// class registers the action and, for Fix All, rewrites every reported node of a document in one pass.
/// </summary>
public abstract class SyntaxRewriteCodeFix<TNode> : CodeFixProvider
    where TNode : SyntaxNode
{
    private readonly string _diagnosticId;
    private readonly string _title;
    private readonly string _equivalenceKey;

    private protected SyntaxRewriteCodeFix(string diagnosticId, string title, string equivalenceKey)
    {
        _diagnosticId = diagnosticId;
        _title = title;
        _equivalenceKey = equivalenceKey;
    }

    public sealed override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(_diagnosticId);

    public sealed override FixAllProvider GetFixAllProvider() =>
        FixAllProvider.Create(async (context, document, diagnostics) => await FixDocumentAsync(document, diagnostics, context.CancellationToken).ConfigureAwait(false));

    public sealed override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null)
            return;
        foreach (var diagnostic in context.Diagnostics)
        {
            if (Target(root, diagnostic) is null)
                continue;
            context.RegisterCodeFix(
                CodeAction.Create(_title, cancel => FixDocumentAsync(context.Document, ImmutableArray.Create(diagnostic), cancel), _equivalenceKey),
                diagnostic);
        }
    }

    /// <summary>The node that <paramref name="diagnostic"/> asks to rewrite, or null when the fix does not apply.</summary>
    private protected abstract TNode? Target(SyntaxNode root, Diagnostic diagnostic);

    /// <summary>The replacement of <paramref name="original"/>, whose nested targets are already rewritten in <paramref name="rewritten"/>.</summary>
    private protected abstract SyntaxNode Rewrite(TNode original, TNode rewritten);

    private async Task<Document> FixDocumentAsync(Document document, ImmutableArray<Diagnostic> diagnostics, CancellationToken cancel)
    {
        var root = await document.GetSyntaxRootAsync(cancel).ConfigureAwait(false);
        if (root is null)
            return document;
        var targets = new HashSet<TNode>();
        foreach (var diagnostic in diagnostics)
        {
            if (Target(root, diagnostic) is { } target)
                targets.Add(target);
        }
        if (targets.Count == 0)
            return document;
        return document.WithSyntaxRoot(root.ReplaceNodes(targets, Rewrite));
    }
}
