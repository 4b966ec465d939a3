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
/// MM0010: turns the declaration of a leaked pin holder into a <c>using</c> declaration, so that every path
/// out of the scope releases it (unpin_user_pages at the end of the scope, whatever returns or throws).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(PinNotBalancedCodeFix)), Shared]
public sealed class PinNotBalancedCodeFix : CodeFixProvider
{
    public const string EquivalenceKey = "MM0010.UsingDeclaration";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } =
        ImmutableArray.Create(Descriptors.MM0010_PinNotBalanced.Id);

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
                    "Release it at the end of the scope (using)",
                    cancel => FixDocumentAsync(context.Document, ImmutableArray.Create(diagnostic), cancel),
                    EquivalenceKey),
                diagnostic);
        }
    }

    private static LocalDeclarationStatementSyntax? Fixable(SyntaxNode root, Diagnostic diagnostic)
    {
        if (!diagnostic.Properties.ContainsKey(PinNotBalancedAnalyzer.UsingFixable))
            return null;
        return root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is VariableDeclaratorSyntax
        {
            Parent: VariableDeclarationSyntax { Parent: LocalDeclarationStatementSyntax statement },
        } && statement.UsingKeyword == default ? statement : null;
    }

    private static async Task<Document> FixDocumentAsync(Document document, ImmutableArray<Diagnostic> diagnostics, CancellationToken cancel)
    {
        var root = await document.GetSyntaxRootAsync(cancel).ConfigureAwait(false);
        if (root is null)
            return document;
        var statements = new HashSet<LocalDeclarationStatementSyntax>();
        foreach (var diagnostic in diagnostics)
        {
            if (Fixable(root, diagnostic) is { } statement)
                statements.Add(statement);
        }
        if (statements.Count == 0)
            return document;
        return document.WithSyntaxRoot(root.ReplaceNodes(statements, (original, _) =>
            original.WithoutLeadingTrivia()
                .WithUsingKeyword(SyntaxFactory.Token(SyntaxKind.UsingKeyword).WithTrailingTrivia(SyntaxFactory.Space))
                .WithLeadingTrivia(original.GetLeadingTrivia())));
    }
}
