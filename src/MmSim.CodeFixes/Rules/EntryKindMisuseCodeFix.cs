using System.Composition;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;
using MmSim.Analyzers.Infrastructure;
using MmSim.Analyzers.Rules;
using MmSim.CodeFixes.Infrastructure;

namespace MmSim.CodeFixes.Rules;

/// <summary>
/// MM0013: adds the entry kinds a switch misses as one section that does nothing (<c>break;</c>), so that
/// behaviour is unchanged and every kind is now spelled out for the reader to decide about (the
/// copy_hugetlb_page_range hwpoison fix was a missing case).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(EntryKindMisuseCodeFix)), Shared]
public sealed class EntryKindMisuseCodeFix : SyntaxRewriteCodeFix<SwitchStatementSyntax, string[]>
{
    public const string EquivalenceKey = "MM0013.AddMissingCases";

    private const string PteKindType = "MmSim.PageTables.PteKind";

    public EntryKindMisuseCodeFix()
        : base(Descriptors.MM0013_EntryKindMisuse.Id, "Add the missing entry kinds", EquivalenceKey)
    {
    }

    /// <summary>The switch and the kinds it misses, as the analyzer listed them.</summary>
    private protected override (SwitchStatementSyntax Node, string[] Fix)? Target(SyntaxNode root, SemanticModel model, Diagnostic diagnostic)
    {
        if (!diagnostic.Properties.TryGetValue(EntryKindMisuseAnalyzer.MissingKinds, out var missing) || missing is null ||
            root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true).FirstAncestorOrSelf<SwitchStatementSyntax>() is not { } switchStatement)
            return null;
        return (switchStatement, missing.Split(new[] { ", " }, System.StringSplitOptions.RemoveEmptyEntries));
    }

    private protected override SyntaxNode Rewrite(SwitchStatementSyntax original, SwitchStatementSyntax rewritten, string[] missing, SemanticModel model, CancellationToken cancel)
    {
        string type = KindTypeName(model, original.SpanStart);
        var labels = missing.Select(kind =>
            (SwitchLabelSyntax)SyntaxFactory.CaseSwitchLabel(SyntaxFactory.ParseExpression(type + "." + kind)));
        var breakStatement = SyntaxFactory.BreakStatement().WithLeadingTrivia(
            SyntaxFactory.Comment("// not handled here: decide what these entries mean"), SyntaxFactory.ElasticCarriageReturnLineFeed);
        var section = SyntaxFactory.SwitchSection(SyntaxFactory.List(labels), SyntaxFactory.SingletonList<StatementSyntax>(breakStatement))
            .WithAdditionalAnnotations(Formatter.Annotation);
        return rewritten.AddSections(section);
    }

    private static string KindTypeName(SemanticModel model, int position)
    {
        var type = model.Compilation.GetTypeByMetadataName(PteKindType);
        bool inScope = type is not null &&
            model.LookupNamespacesAndTypes(position, name: type.Name).Any(s => SymbolEqualityComparer.Default.Equals(s, type));
        return inScope ? "PteKind" : PteKindType;
    }
}
