using System.Collections.Generic;
using System.Collections.Immutable;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace MmSim.CodeFixes.Infrastructure;

/// <summary>
/// A fix that calls another method of the same receiver: the analyzer finds the replacement by its
/// contract and passes its name in a diagnostic property; the fix renames the invoked method, so the
/// arguments and the receiver stay as they were. Fix All renames every reported call of a document at once.
/// </summary>
public abstract class RenameInvocationCodeFix : CodeFixProvider
{
    private readonly string _diagnosticId;
    private readonly string _property;
    private readonly string _equivalenceKey;

    private protected RenameInvocationCodeFix(string diagnosticId, string property, string equivalenceKey)
    {
        _diagnosticId = diagnosticId;
        _property = property;
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
            if (Fixable(root, diagnostic) is not { } fix)
                continue;
            context.RegisterCodeFix(
                CodeAction.Create(Title(fix.NewName), cancel => FixDocumentAsync(context.Document, ImmutableArray.Create(diagnostic), cancel), _equivalenceKey),
                diagnostic);
        }
    }

    /// <summary>The code action's title for a call renamed to <paramref name="newName"/>.</summary>
    private protected abstract string Title(string newName);

    private (SimpleNameSyntax Name, string NewName)? Fixable(SyntaxNode root, Diagnostic diagnostic)
    {
        if (!diagnostic.Properties.TryGetValue(_property, out var newName) || newName is null ||
            root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not InvocationExpressionSyntax invocation)
            return null;
        return invocation.Expression switch
        {
            MemberAccessExpressionSyntax { Name: IdentifierNameSyntax name } => (name, newName),
            IdentifierNameSyntax name => (name, newName),
            _ => null,
        };
    }

    private async Task<Document> FixDocumentAsync(Document document, ImmutableArray<Diagnostic> diagnostics, CancellationToken cancel)
    {
        var root = await document.GetSyntaxRootAsync(cancel).ConfigureAwait(false);
        if (root is null)
            return document;
        var names = new Dictionary<SyntaxNode, string>();
        foreach (var diagnostic in diagnostics)
        {
            if (Fixable(root, diagnostic) is { } fix)
                names[fix.Name] = fix.NewName;
        }
        if (names.Count == 0)
            return document;
        return document.WithSyntaxRoot(root.ReplaceNodes(names.Keys, (original, _) =>
            SyntaxFactory.IdentifierName(names[original]).WithTriviaFrom(original)));
    }
}
