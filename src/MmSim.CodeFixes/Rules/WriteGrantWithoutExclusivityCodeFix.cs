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
using MmSim.CodeFixes.Infrastructure;

namespace MmSim.CodeFixes.Rules;

/// <summary>
/// MM0007: grants write access only under an exclusivity test of the page (<c>if (page.IsAnonExclusive)</c>),
/// as can_change_pte_writable does; the copy for the other case (wp_page_copy) is the author's to add.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(WriteGrantWithoutExclusivityCodeFix)), Shared]
public sealed class WriteGrantWithoutExclusivityCodeFix : CodeFixProvider
{
    public const string EquivalenceKey = "MM0007.GuardWithExclusivity";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } =
        ImmutableArray.Create(Descriptors.MM0007_WriteGrantWithoutExclusivity.Id);

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
            if (Guard(root, model, diagnostic) is not { } guard)
                continue;
            context.RegisterCodeFix(
                CodeAction.Create(
                    $"Grant write access only if '{guard.Guard}'",
                    cancel => FixDocumentAsync(context.Document, ImmutableArray.Create(diagnostic), cancel),
                    EquivalenceKey),
                diagnostic);
        }
    }

    private static (ExpressionStatementSyntax Target, string Guard)? Guard(SyntaxNode root, SemanticModel model, Diagnostic diagnostic)
    {
        if (root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not InvocationExpressionSyntax
            {
                Parent: ExpressionStatementSyntax statement,
            } invocation ||
            PageArgument(invocation, model) is not { } page ||
            PredicateGuard.GuardText(page, Contracts.ExclusivePredicate, negated: false, model) is not { } guard)
            return null;
        return (statement, guard);
    }

    /// <summary>The receiver if it is a page, else the first page argument: the page the grant is about.</summary>
    private static ExpressionSyntax? PageArgument(InvocationExpressionSyntax invocation, SemanticModel model)
    {
        if (invocation.Expression is MemberAccessExpressionSyntax member && IsPage(model.GetTypeInfo(member.Expression).Type))
            return member.Expression;
        return invocation.ArgumentList.Arguments.Select(a => a.Expression).FirstOrDefault(e => IsPage(model.GetTypeInfo(e).Type));
    }

    private static bool IsPage(ITypeSymbol? type) =>
        type is { Name: "Page", ContainingNamespace: { Name: "PageFlags", ContainingNamespace.Name: "MmSim" } };

    private static async Task<Document> FixDocumentAsync(Document document, ImmutableArray<Diagnostic> diagnostics, CancellationToken cancel)
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
