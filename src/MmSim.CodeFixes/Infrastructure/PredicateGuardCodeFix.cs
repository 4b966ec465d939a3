using System.Collections.Generic;
using System.Collections.Immutable;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;

namespace MmSim.CodeFixes.Infrastructure;

/// <summary>
/// A fix that guards the reported access with a contract predicate (<see cref="PredicateGuard"/>): the rule
/// finds the statement or expression to guard and the guard's text; this class registers the action and,
/// for Fix All, wraps every reported access of a document in one pass.
/// </summary>
public abstract class PredicateGuardCodeFix : CodeFixProvider
{
    private readonly string _diagnosticId;
    private readonly string _equivalenceKey;

    private protected PredicateGuardCodeFix(string diagnosticId, string equivalenceKey)
    {
        _diagnosticId = diagnosticId;
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
            if (Guard(root, model, diagnostic) is not { } guard)
                continue;
            context.RegisterCodeFix(
                CodeAction.Create(Title(guard.Guard), cancel => FixDocumentAsync(context.Document, ImmutableArray.Create(diagnostic), cancel), _equivalenceKey),
                diagnostic);
        }
    }

    /// <summary>The code action's title for a guard of text <paramref name="guard"/>.</summary>
    private protected abstract string Title(string guard);

    /// <summary>What <paramref name="diagnostic"/> asks to guard, and with what; null when the fix does not apply.</summary>
    private protected abstract (SyntaxNode Target, string Guard)? Guard(SyntaxNode root, SemanticModel model, Diagnostic diagnostic);

    private async Task<Document> FixDocumentAsync(Document document, ImmutableArray<Diagnostic> diagnostics, CancellationToken cancel)
    {
        var root = await document.GetSyntaxRootAsync(cancel).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(cancel).ConfigureAwait(false);
        if (root is null || model is null)
            return document;
        var guards = new Dictionary<SyntaxNode, string>();
        foreach (var diagnostic in diagnostics)
        {
            if (Guard(root, model, diagnostic) is { } guard)
                guards[guard.Target] = guard.Guard;
        }
        if (guards.Count == 0)
            return document;
        return document.WithSyntaxRoot(root.ReplaceNodes(guards.Keys, (original, rewritten) => PredicateGuard.Wrap(original, rewritten, guards[original])));
    }
}
