using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using MmSim.Analyzers.Infrastructure;
using MmSim.Analyzers.Rules;

namespace MmSim.CodeFixes.Rules;

/// <summary>
/// MM0011: calls the matching release instead (put_page for FOLL_GET, unpin_user_page for FOLL_PIN): the
/// method of the same type that carries the other release contract and takes the same parameters.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(GetPutMixedWithPinUnpinCodeFix)), Shared]
public sealed class GetPutMixedWithPinUnpinCodeFix : CodeFixProvider
{
    public const string EquivalenceKey = "MM0011.UseMatchingRelease";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } =
        ImmutableArray.Create(Descriptors.MM0011_GetPutMixedWithPinUnpin.Id);

    public override FixAllProvider GetFixAllProvider() =>
        FixAllProvider.Create(async (context, document, diagnostics) => await FixDocumentAsync(document, diagnostics, context.CancellationToken).ConfigureAwait(false));

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null)
            return;
        foreach (var diagnostic in context.Diagnostics)
        {
            if (Fixable(root, diagnostic) is not { } fix)
                continue;
            context.RegisterCodeFix(
                CodeAction.Create(
                    $"Release with '{fix.Release}'",
                    cancel => FixDocumentAsync(context.Document, ImmutableArray.Create(diagnostic), cancel),
                    EquivalenceKey),
                diagnostic);
        }
    }

    private static (SimpleNameSyntax Name, string Release)? Fixable(SyntaxNode root, Diagnostic diagnostic)
    {
        if (!diagnostic.Properties.TryGetValue(GetPutMixedWithPinUnpinAnalyzer.MatchingRelease, out var release) || release is null ||
            root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not InvocationExpressionSyntax invocation)
            return null;
        return invocation.Expression switch
        {
            MemberAccessExpressionSyntax { Name: IdentifierNameSyntax name } => (name, release),
            IdentifierNameSyntax name => (name, release),
            _ => null,
        };
    }

    private static async Task<Document> FixDocumentAsync(Document document, ImmutableArray<Diagnostic> diagnostics, CancellationToken cancel)
    {
        var root = await document.GetSyntaxRootAsync(cancel).ConfigureAwait(false);
        if (root is null)
            return document;
        var names = new Dictionary<SyntaxNode, string>();
        foreach (var diagnostic in diagnostics)
        {
            if (Fixable(root, diagnostic) is { } fix)
                names[fix.Name] = fix.Release;
        }
        if (names.Count == 0)
            return document;
        return document.WithSyntaxRoot(root.ReplaceNodes(names.Keys, (original, _) =>
            SyntaxFactory.IdentifierName(names[original]).WithTriviaFrom(original)));
    }
}
