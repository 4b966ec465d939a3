using System.Composition;
using System.Linq;
using Microsoft.CodeAnalysis;
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
public sealed class WriteGrantWithoutExclusivityCodeFix : PredicateGuardCodeFix
{
    public const string EquivalenceKey = "MM0007.GuardWithExclusivity";

    public WriteGrantWithoutExclusivityCodeFix()
        : base(Descriptors.MM0007_WriteGrantWithoutExclusivity.Id, EquivalenceKey)
    {
    }

    private protected override string Title(string guard) => $"Grant write access only if '{guard}'";

    private protected override (SyntaxNode Target, string Guard)? Guard(SyntaxNode root, SemanticModel model, Diagnostic diagnostic)
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
}
