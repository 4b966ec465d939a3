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
using MmSim.CodeFixes.Infrastructure;

namespace MmSim.CodeFixes.Rules;

/// <summary>
/// MM0002, two fixes: guard the access with <c>!page.IsAnon</c> (the page-cache meaning was intended), or,
/// for <c>page.Test(PG.MappedToDisk)</c> / <c>page.Set(PG.MappedToDisk)</c>, switch to
/// <c>page.IsAnonExclusive</c> / <c>page.SetAnonExclusive()</c> (the anon meaning was intended).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(NotAnonFlagOnAnonPageCodeFix)), Shared]
public sealed class NotAnonFlagOnAnonPageCodeFix : CodeFixProvider
{
    public const string GuardKey = "MM0002.GuardNotAnon";
    public const string AccessorKey = "MM0002.UseAnonExclusiveAccessor";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } =
        ImmutableArray.Create(Descriptors.MM0002_NotAnonFlagOnAnonPage.Id);

    public override FixAllProvider GetFixAllProvider() =>
        FixAllProvider.Create(async (context, document, diagnostics) =>
            await FixDocumentAsync(document, diagnostics, context.CodeActionEquivalenceKey ?? GuardKey, context.CancellationToken).ConfigureAwait(false));

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || model is null)
            return;
        foreach (var diagnostic in context.Diagnostics)
        {
            if (Guard(root, model, diagnostic) is not null)
                Register(context, diagnostic, "Guard with a not-anon check", GuardKey);
            if (Accessor(root, diagnostic) is not null)
                Register(context, diagnostic, "Use the anon-exclusive accessor", AccessorKey);
        }
    }

    private static void Register(CodeFixContext context, Diagnostic diagnostic, string title, string key) =>
        context.RegisterCodeFix(
            CodeAction.Create(title, cancel => FixDocumentAsync(context.Document, ImmutableArray.Create(diagnostic), key, cancel), key),
            diagnostic);

    private static (SyntaxNode Target, string Guard)? Guard(SyntaxNode root, SemanticModel model, Diagnostic diagnostic)
    {
        if (root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not InvocationExpressionSyntax
            {
                Expression: MemberAccessExpressionSyntax { Expression: var receiver },
            } invocation ||
            PredicateGuard.Target(invocation, model) is not { } target ||
            PredicateGuard.GuardText(receiver, Contracts.AnonPredicate, negated: true, model) is not { } guard)
            return null;
        return (target, guard);
    }

    private static (InvocationExpressionSyntax Invocation, ExpressionSyntax Replacement)? Accessor(SyntaxNode root, Diagnostic diagnostic)
    {
        if (!diagnostic.Properties.TryGetValue(NotAnonFlagOnAnonPageAnalyzer.AnonExclusiveAccessor, out var accessor) ||
            root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not InvocationExpressionSyntax
            {
                Expression: MemberAccessExpressionSyntax { Expression: var receiver },
            } invocation)
            return null;
        var page = receiver.WithoutTrivia().ToString();
        ExpressionSyntax replacement = accessor == "Test"
            ? SyntaxFactory.ParseExpression(page + ".IsAnonExclusive")
            : SyntaxFactory.ParseExpression(page + ".SetAnonExclusive()");
        if (accessor == "Test" && invocation.Parent is ExpressionStatementSyntax)
            return null; // a property read is not a statement
        return (invocation, replacement.WithTriviaFrom(invocation));
    }

    private static async Task<Document> FixDocumentAsync(Document document, ImmutableArray<Diagnostic> diagnostics, string key, CancellationToken cancel)
    {
        var root = await document.GetSyntaxRootAsync(cancel).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(cancel).ConfigureAwait(false);
        if (root is null || model is null)
            return document;
        var replacements = new Dictionary<SyntaxNode, System.Func<SyntaxNode, SyntaxNode, SyntaxNode>>();
        foreach (var diagnostic in diagnostics)
        {
            if (key == AccessorKey && Accessor(root, diagnostic) is { } accessor)
                replacements[accessor.Invocation] = (_, _) => accessor.Replacement;
            else if (key == GuardKey && Guard(root, model, diagnostic) is { } guard)
                replacements[guard.Target] = (original, rewritten) => PredicateGuard.Wrap(original, rewritten, guard.Guard);
        }
        if (replacements.Count == 0)
            return document;
        return document.WithSyntaxRoot(root.ReplaceNodes(replacements.Keys, (original, rewritten) => replacements[original](original, rewritten)));
    }
}
