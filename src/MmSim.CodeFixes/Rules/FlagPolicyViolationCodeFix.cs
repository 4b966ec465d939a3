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
/// MM0004: goes through the folio head, <c>page.Set(flag)</c> to <c>page.CompoundHead.Set(flag)</c>, which is
/// where PF_ONLY_HEAD / PF_NO_TAIL flags and hugetlb's PG_anon_exclusive live (compound_head()).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(FlagPolicyViolationCodeFix)), Shared]
public sealed class FlagPolicyViolationCodeFix : CodeFixProvider
{
    public const string EquivalenceKey = "MM0004.UseHead";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } =
        ImmutableArray.Create(Descriptors.MM0004_FlagPolicyViolation.Id);

    public override FixAllProvider GetFixAllProvider() =>
        FixAllProvider.Create(async (context, document, diagnostics) => await FixDocumentAsync(document, diagnostics, context.CancellationToken).ConfigureAwait(false));

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null)
            return;
        foreach (var diagnostic in context.Diagnostics)
        {
            if (Receiver(root, diagnostic) is null)
                continue;
            context.RegisterCodeFix(
                CodeAction.Create(
                    "Go through the head (CompoundHead)",
                    cancel => FixDocumentAsync(context.Document, ImmutableArray.Create(diagnostic), cancel),
                    EquivalenceKey),
                diagnostic);
        }
    }

    private static ExpressionSyntax? Receiver(SyntaxNode root, Diagnostic diagnostic)
    {
        if (!diagnostic.Properties.ContainsKey(FlagPolicyViolationAnalyzer.UseHead))
            return null;
        return root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) switch
        {
            InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax member } => member.Expression,
            MemberAccessExpressionSyntax member => member.Expression,
            _ => null,
        };
    }

    private static async Task<Document> FixDocumentAsync(Document document, ImmutableArray<Diagnostic> diagnostics, CancellationToken cancel)
    {
        var root = await document.GetSyntaxRootAsync(cancel).ConfigureAwait(false);
        if (root is null)
            return document;
        var receivers = new HashSet<ExpressionSyntax>();
        foreach (var diagnostic in diagnostics)
        {
            if (Receiver(root, diagnostic) is { } receiver)
                receivers.Add(receiver);
        }
        if (receivers.Count == 0)
            return document;
        return document.WithSyntaxRoot(root.ReplaceNodes(receivers, (original, rewritten) =>
            SyntaxFactory.MemberAccessExpression(
                    SyntaxKind.SimpleMemberAccessExpression,
                    rewritten is IdentifierNameSyntax or MemberAccessExpressionSyntax or InvocationExpressionSyntax or ThisExpressionSyntax
                        ? rewritten.WithoutTrivia()
                        : SyntaxFactory.ParenthesizedExpression(rewritten.WithoutTrivia()),
                    SyntaxFactory.IdentifierName("CompoundHead"))
                .WithTriviaFrom(original)));
    }
}
