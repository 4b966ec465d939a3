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
/// MM0014: rewrites <c>(ulong)bit</c> to <c>bit.Mask()</c> (or <c>(T)bit.Mask()</c> for another integer
/// type T), adding <c>using MmSim.PageFlags;</c> where the extension is not in scope.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(PageFlagBitAsMaskCodeFix)), Shared]
public sealed class PageFlagBitAsMaskCodeFix : CodeFixProvider
{
    public const string EquivalenceKey = "MM0014.UseMask";

    private const string PageFlagsNamespace = "MmSim.PageFlags";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } =
        ImmutableArray.Create(Descriptors.MM0014_PageFlagBitAsMask.Id);

    public override FixAllProvider GetFixAllProvider() =>
        FixAllProvider.Create(async (context, document, diagnostics) => await FixDocumentAsync(document, diagnostics, context.CancellationToken).ConfigureAwait(false));

    public override Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        foreach (var diagnostic in context.Diagnostics)
        {
            if (!diagnostic.Properties.ContainsKey(PageFlagBitAsMaskAnalyzer.FixableCast))
                continue;
            context.RegisterCodeFix(
                CodeAction.Create(
                    "Use Mask()",
                    cancel => FixDocumentAsync(context.Document, ImmutableArray.Create(diagnostic), cancel),
                    EquivalenceKey),
                diagnostic);
        }
        return Task.CompletedTask;
    }

    private static async Task<Document> FixDocumentAsync(Document document, ImmutableArray<Diagnostic> diagnostics, CancellationToken cancel)
    {
        var root = await document.GetSyntaxRootAsync(cancel).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(cancel).ConfigureAwait(false);
        if (root is null || model is null)
            return document;

        var casts = new List<CastExpressionSyntax>();
        foreach (var diagnostic in diagnostics)
        {
            if (diagnostic.Properties.ContainsKey(PageFlagBitAsMaskAnalyzer.FixableCast) &&
                root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is CastExpressionSyntax cast)
                casts.Add(cast);
        }
        if (casts.Count == 0)
            return document;

        bool needsUsing = !MaskIsInScope(model, casts[0]);
        var newRoot = root.ReplaceNodes(casts, (original, _) => Rewrite(original, model, cancel));
        if (needsUsing && newRoot is CompilationUnitSyntax unit)
            newRoot = unit.AddUsings(SyntaxFactory.UsingDirective(SyntaxFactory.ParseName(PageFlagsNamespace)).WithAdditionalAnnotations(Formatter.Annotation));
        return document.WithSyntaxRoot(newRoot);
    }

    private static ExpressionSyntax Rewrite(CastExpressionSyntax cast, SemanticModel model, CancellationToken cancel)
    {
        var operand = cast.Expression.WithoutTrivia();
        if (operand is not (IdentifierNameSyntax or MemberAccessExpressionSyntax or InvocationExpressionSyntax or ParenthesizedExpressionSyntax))
            operand = SyntaxFactory.ParenthesizedExpression(operand);
        ExpressionSyntax mask = SyntaxFactory.InvocationExpression(
            SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, operand, SyntaxFactory.IdentifierName("Mask")));
        var target = model.GetTypeInfo(cast.Type, cancel).Type;
        if (target?.SpecialType != SpecialType.System_UInt64)
            mask = SyntaxFactory.CastExpression(cast.Type.WithoutTrivia(), mask);
        return mask.WithTriviaFrom(cast);
    }

    private static bool MaskIsInScope(SemanticModel model, CastExpressionSyntax cast)
    {
        var bitType = model.GetTypeInfo(cast.Expression).Type;
        return bitType is not null &&
            model.LookupSymbols(cast.SpanStart, bitType, "Mask", includeReducedExtensionMethods: true).Any();
    }
}
