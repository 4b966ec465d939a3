using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;
using MmSim.Analyzers.Infrastructure;
using MmSim.Analyzers.Rules;

namespace MmSim.CodeFixes.Rules;

/// <summary>
/// MM0013: adds the entry kinds a switch misses as one section that does nothing (<c>break;</c>), so that
/// behaviour is unchanged and every kind is now spelled out for the reader to decide about (the
/// copy_hugetlb_page_range hwpoison fix was a missing case).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(EntryKindMisuseCodeFix)), Shared]
public sealed class EntryKindMisuseCodeFix : CodeFixProvider
{
    public const string EquivalenceKey = "MM0013.AddMissingCases";

    private const string PteKindType = "MmSim.PageTables.PteKind";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } =
        ImmutableArray.Create(Descriptors.MM0013_EntryKindMisuse.Id);

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
                    "Add the missing entry kinds",
                    cancel => FixDocumentAsync(context.Document, ImmutableArray.Create(diagnostic), cancel),
                    EquivalenceKey),
                diagnostic);
        }
    }

    private static (SwitchStatementSyntax Switch, string[] Missing)? Fixable(SyntaxNode root, Diagnostic diagnostic)
    {
        if (!diagnostic.Properties.TryGetValue(EntryKindMisuseAnalyzer.MissingKinds, out var missing) || missing is null ||
            root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true).FirstAncestorOrSelf<SwitchStatementSyntax>() is not { } switchStatement)
            return null;
        return (switchStatement, missing.Split(new[] { ", " }, System.StringSplitOptions.RemoveEmptyEntries));
    }

    private static async Task<Document> FixDocumentAsync(Document document, ImmutableArray<Diagnostic> diagnostics, CancellationToken cancel)
    {
        var root = await document.GetSyntaxRootAsync(cancel).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(cancel).ConfigureAwait(false);
        if (root is null || model is null)
            return document;
        var fixes = new Dictionary<SwitchStatementSyntax, string[]>();
        foreach (var diagnostic in diagnostics)
        {
            if (Fixable(root, diagnostic) is { } fix)
                fixes[fix.Switch] = fix.Missing;
        }
        if (fixes.Count == 0)
            return document;
        var newRoot = root.ReplaceNodes(fixes.Keys, (original, rewritten) =>
        {
            string type = KindTypeName(model, original.SpanStart);
            var labels = fixes[original].Select(kind =>
                (SwitchLabelSyntax)SyntaxFactory.CaseSwitchLabel(SyntaxFactory.ParseExpression(type + "." + kind)));
            var breakStatement = SyntaxFactory.BreakStatement().WithLeadingTrivia(
                SyntaxFactory.Comment("// not handled here: decide what these entries mean"), SyntaxFactory.ElasticCarriageReturnLineFeed);
            var section = SyntaxFactory.SwitchSection(SyntaxFactory.List(labels), SyntaxFactory.SingletonList<StatementSyntax>(breakStatement))
                .WithAdditionalAnnotations(Formatter.Annotation);
            return rewritten.AddSections(section);
        });
        return document.WithSyntaxRoot(newRoot);
    }

    private static string KindTypeName(SemanticModel model, int position)
    {
        var type = model.Compilation.GetTypeByMetadataName(PteKindType);
        bool inScope = type is not null &&
            model.LookupNamespacesAndTypes(position, name: type.Name).Any(s => SymbolEqualityComparer.Default.Equals(s, type));
        return inScope ? "PteKind" : PteKindType;
    }
}
