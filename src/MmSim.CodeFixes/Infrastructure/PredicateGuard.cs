using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace MmSim.CodeFixes.Infrastructure;

/// <summary>
/// Guards a page access with a contract predicate of the page (<c>page.IsAnon</c>, <c>!page.IsAnon</c>,
/// <c>!page.IsKsm</c>): a statement is wrapped in an <c>if</c>, a boolean expression becomes
/// <c>(guard &amp;&amp; expression)</c>. Only receivers that are safe to evaluate twice (names and member chains) qualify.
/// </summary>
internal static class PredicateGuard
{
    /// <summary>The guard text for <paramref name="receiver"/>, or null when it has no such predicate or is not a simple chain.</summary>
    public static string? GuardText(ExpressionSyntax receiver, string predicateAttribute, bool negated, SemanticModel model)
    {
        if (!IsSimpleChain(receiver) || model.GetTypeInfo(receiver).Type is not { } type)
            return null;
        if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T })
            return null;
        var predicate = type.GetMembers().OfType<IPropertySymbol>().FirstOrDefault(p => p.GetAttributes().Any(a =>
            a.AttributeClass is { Name: var name, ContainingNamespace: { Name: "Contracts", ContainingNamespace.Name: "MmSim" } } && name == predicateAttribute));
        if (predicate is null)
            return null;
        return (negated ? "!" : "") + receiver.WithoutTrivia().ToString() + "." + predicate.Name;
    }

    /// <summary>The statement or expression to replace: the whole expression statement, or the boolean expression itself.</summary>
    public static SyntaxNode? Target(ExpressionSyntax access, SemanticModel model)
    {
        if (access.Parent is ExpressionStatementSyntax statement)
            return statement;
        return model.GetTypeInfo(access).Type?.SpecialType == SpecialType.System_Boolean ? access : null;
    }

    /// <summary><paramref name="target"/> (already rewritten inside, if nested fixes applied) under <paramref name="guard"/>.</summary>
    public static SyntaxNode Wrap(SyntaxNode original, SyntaxNode target, string guard)
    {
        if (target is StatementSyntax statement)
        {
            string indent = Indentation.Of(original);
            string text =
                $"if ({guard})\n" +
                $"{indent}{{\n" +
                $"{indent}{Indentation.Unit}{statement.WithoutTrivia().ToFullString()}\n" +
                $"{indent}}}";
            return SyntaxFactory.ParseStatement(text)
                .WithLeadingTrivia(original.GetLeadingTrivia())
                .WithTrailingTrivia(original.GetTrailingTrivia());
        }
        var expression = (ExpressionSyntax)target;
        return SyntaxFactory.ParseExpression($"({guard} && {expression.WithoutTrivia().ToFullString()})")
            .WithTriviaFrom(original);
    }

    private static bool IsSimpleChain(ExpressionSyntax expression) => expression switch
    {
        IdentifierNameSyntax or ThisExpressionSyntax => true,
        MemberAccessExpressionSyntax { RawKind: (int)SyntaxKind.SimpleMemberAccessExpression } member => IsSimpleChain(member.Expression),
        _ => false,
    };
}
