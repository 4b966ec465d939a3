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
using MmSim.Analyzers.Rules;
using MmSim.CodeFixes.Infrastructure;

namespace MmSim.CodeFixes.Rules;

/// <summary>
/// MM0003: guards the anon-exclusive access with the page's anon test (<c>page.IsAnon</c>), or, for a
/// modification of a possible KSM page, with <c>!page.IsKsm</c>, the checks PageAnonExclusive's
/// VM_BUG_ON_PGFLAGS expect the caller to have made.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AnonExclusiveOnNonAnonPageCodeFix)), Shared]
public sealed class AnonExclusiveOnNonAnonPageCodeFix : CodeFixProvider
{
    public const string EquivalenceKey = "MM0003.AddGuard";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } =
        ImmutableArray.Create(Descriptors.MM0003_AnonExclusiveOnNonAnonPage.Id);

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
                    $"Guard with '{guard.Guard}'",
                    cancel => FixDocumentAsync(context.Document, ImmutableArray.Create(diagnostic), cancel),
                    EquivalenceKey),
                diagnostic);
        }
    }

    private static (SyntaxNode Target, string Guard)? Guard(SyntaxNode root, SemanticModel model, Diagnostic diagnostic)
    {
        if (!diagnostic.Properties.TryGetValue(AnonExclusiveOnNonAnonPageAnalyzer.GuardPredicate, out var predicate) || predicate is null)
            return null;
        bool negated = diagnostic.Properties.ContainsKey(AnonExclusiveOnNonAnonPageAnalyzer.GuardNegated);
        var node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
        var (access, receiver) = node switch
        {
            InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax member } invocation => ((ExpressionSyntax)invocation, member.Expression),
            MemberAccessExpressionSyntax member => (member, member.Expression),
            _ => ((ExpressionSyntax?)null, (ExpressionSyntax?)null),
        };
        if (access is null || receiver is null ||
            PredicateGuard.Target(access, model) is not { } target ||
            PredicateGuard.GuardText(receiver, predicate, negated, model) is not { } guard)
            return null;
        return (target, guard);
    }

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
