using System.Collections.Generic;
using System.Collections.Immutable;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;

namespace MmSim.CodeFixes.Infrastructure;

/// <summary>
/// A fix that rewrites one syntax node per diagnostic, the same way for each: the rule finds the node and what
/// the rewrite needs (<typeparamref name="TFix"/>), this class registers the action and, for Fix All, rewrites
/// every reported node of a document in one pass over one semantic model.
/// </summary>
public abstract class SyntaxRewriteCodeFix<TNode, TFix> : CodeFixProvider
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
        var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || model is null)
            return;
        foreach (var diagnostic in context.Diagnostics)
        {
            if (Target(root, model, diagnostic) is null)
                continue;
            context.RegisterCodeFix(
                CodeAction.Create(_title, cancel => FixDocumentAsync(context.Document, ImmutableArray.Create(diagnostic), cancel), _equivalenceKey),
                diagnostic);
        }
    }

    /// <summary>The node that <paramref name="diagnostic"/> asks to rewrite and what the rewrite needs, or null when the fix does not apply.</summary>
    private protected abstract (TNode Node, TFix Fix)? Target(SyntaxNode root, SemanticModel model, Diagnostic diagnostic);

    /// <summary>The replacement of <paramref name="original"/>, whose nested targets are already rewritten in <paramref name="rewritten"/>.</summary>
    private protected abstract SyntaxNode Rewrite(TNode original, TNode rewritten, TFix fix, SemanticModel model, CancellationToken cancel);

    /// <summary>A last change to the whole document once every target is rewritten (a using directive, say).</summary>
    private protected virtual SyntaxNode Complete(SyntaxNode root, IReadOnlyCollection<TNode> originals, SemanticModel model) => root;

    private async Task<Document> FixDocumentAsync(Document document, ImmutableArray<Diagnostic> diagnostics, CancellationToken cancel)
    {
        var root = await document.GetSyntaxRootAsync(cancel).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(cancel).ConfigureAwait(false);
        if (root is null || model is null)
            return document;
        var fixes = new Dictionary<TNode, TFix>();
        foreach (var diagnostic in diagnostics)
        {
            if (Target(root, model, diagnostic) is { } target)
                fixes[target.Node] = target.Fix;
        }
        if (fixes.Count == 0)
            return document;
        var newRoot = root.ReplaceNodes(fixes.Keys, (original, rewritten) => Rewrite(original, rewritten, fixes[original], model, cancel));
        return document.WithSyntaxRoot(Complete(newRoot, fixes.Keys, model));
    }
}

/// <summary>A <see cref="SyntaxRewriteCodeFix{TNode, TFix}"/> whose rewrite needs only the node.</summary>
public abstract class SyntaxRewriteCodeFix<TNode> : SyntaxRewriteCodeFix<TNode, TNode>
    where TNode : SyntaxNode
{
    private protected SyntaxRewriteCodeFix(string diagnosticId, string title, string equivalenceKey)
        : base(diagnosticId, title, equivalenceKey)
    {
    }

    /// <summary>The node that <paramref name="diagnostic"/> asks to rewrite, or null when the fix does not apply.</summary>
    private protected abstract TNode? Target(SyntaxNode root, Diagnostic diagnostic);

    /// <summary>The replacement of <paramref name="original"/>, whose nested targets are already rewritten in <paramref name="rewritten"/>.</summary>
    private protected abstract SyntaxNode Rewrite(TNode original, TNode rewritten);

    private protected sealed override (TNode Node, TNode Fix)? Target(SyntaxNode root, SemanticModel model, Diagnostic diagnostic) =>
        Target(root, diagnostic) is { } node ? (node, node) : null;

    private protected sealed override SyntaxNode Rewrite(TNode original, TNode rewritten, TNode fix, SemanticModel model, CancellationToken cancel) =>
        Rewrite(original, rewritten);
}
