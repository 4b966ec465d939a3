using System.Composition;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using MmSim.Analyzers.Infrastructure;
using MmSim.Analyzers.Rules;
using MmSim.CodeFixes.Infrastructure;

namespace MmSim.CodeFixes.Rules;

/// <summary>
/// MM0010: turns the declaration of a leaked pin holder into a <c>using</c> declaration, so that every path
/// out of the scope releases it (unpin_user_pages at the end of the scope, whatever returns or throws).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(PinNotBalancedCodeFix)), Shared]
public sealed class PinNotBalancedCodeFix : SyntaxRewriteCodeFix<LocalDeclarationStatementSyntax>
{
    public const string EquivalenceKey = "MM0010.UsingDeclaration";

    public PinNotBalancedCodeFix()
        : base(Descriptors.MM0010_PinNotBalanced.Id, "Release it at the end of the scope (using)", EquivalenceKey)
    {
    }

    /// <summary>The declaration of the leaked holder, if it is not a using declaration already.</summary>
    private protected override LocalDeclarationStatementSyntax? Target(SyntaxNode root, Diagnostic diagnostic)
    {
        if (!diagnostic.Properties.ContainsKey(PinNotBalancedAnalyzer.UsingFixable))
            return null;
        return root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is VariableDeclaratorSyntax
        {
            Parent: VariableDeclarationSyntax { Parent: LocalDeclarationStatementSyntax statement },
        } && statement.UsingKeyword == default ? statement : null;
    }

    private protected override SyntaxNode Rewrite(LocalDeclarationStatementSyntax original, LocalDeclarationStatementSyntax rewritten) =>
        original.WithoutLeadingTrivia()
            .WithUsingKeyword(SyntaxFactory.Token(SyntaxKind.UsingKeyword).WithTrailingTrivia(SyntaxFactory.Space))
            .WithLeadingTrivia(original.GetLeadingTrivia());
}
