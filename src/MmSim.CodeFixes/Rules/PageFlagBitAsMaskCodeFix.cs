using System.Collections.Generic;
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
/// MM0014: rewrites <c>(ulong)bit</c> to <c>bit.Mask()</c> (or <c>(T)bit.Mask()</c> for another integer
/// type T), adding <c>using MmSim.PageFlags;</c> where the extension is not in scope.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(PageFlagBitAsMaskCodeFix)), Shared]
public sealed class PageFlagBitAsMaskCodeFix : SyntaxRewriteCodeFix<CastExpressionSyntax, bool>
{
    public const string EquivalenceKey = "MM0014.UseMask";

    private const string PageFlagsNamespace = "MmSim.PageFlags";

    public PageFlagBitAsMaskCodeFix()
        : base(Descriptors.MM0014_PageFlagBitAsMask.Id, "Use Mask()", EquivalenceKey)
    {
    }

    /// <summary>The cast of the bit, when the analyzer found it fixable, and whether the mask needs a cast of its own (a target other than ulong).</summary>
    private protected override (CastExpressionSyntax Node, bool Fix)? Target(SyntaxNode root, SemanticModel model, Diagnostic diagnostic)
    {
        if (!diagnostic.Properties.ContainsKey(PageFlagBitAsMaskAnalyzer.FixableCast) ||
            root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not CastExpressionSyntax cast)
            return null;
        return (cast, model.GetTypeInfo(cast.Type).Type?.SpecialType != SpecialType.System_UInt64);
    }

    private protected override SyntaxNode Rewrite(CastExpressionSyntax original, CastExpressionSyntax rewritten, bool castMask, SemanticModel model, CancellationToken cancel)
    {
        var operand = original.Expression.WithoutTrivia();
        if (operand is not (IdentifierNameSyntax or MemberAccessExpressionSyntax or InvocationExpressionSyntax or ParenthesizedExpressionSyntax))
            operand = SyntaxFactory.ParenthesizedExpression(operand);
        ExpressionSyntax mask = SyntaxFactory.InvocationExpression(
            SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, operand, SyntaxFactory.IdentifierName("Mask")));
        if (castMask)
            mask = SyntaxFactory.CastExpression(original.Type.WithoutTrivia(), mask);
        return mask.WithTriviaFrom(original);
    }

    /// <summary>Adds <c>using MmSim.PageFlags;</c> when the Mask() extension is not in scope.</summary>
    private protected override SyntaxNode Complete(SyntaxNode root, IReadOnlyCollection<CastExpressionSyntax> originals, SemanticModel model)
    {
        if (MaskIsInScope(model, originals.First()) || root is not CompilationUnitSyntax unit)
            return root;
        return unit.AddUsings(SyntaxFactory.UsingDirective(SyntaxFactory.ParseName(PageFlagsNamespace)).WithAdditionalAnnotations(Formatter.Annotation));
    }

    private static bool MaskIsInScope(SemanticModel model, CastExpressionSyntax cast)
    {
        var bitType = model.GetTypeInfo(cast.Expression).Type;
        return bitType is not null &&
            model.LookupSymbols(cast.SpanStart, bitType, "Mask", includeReducedExtensionMethods: true).Any();
    }
}
