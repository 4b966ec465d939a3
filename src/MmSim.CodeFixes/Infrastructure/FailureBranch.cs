using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace MmSim.CodeFixes.Infrastructure;

/// <summary>
/// Builds <c>if (!call) { fail }</c> for a try-share / try-dup call, with a failure that compiles in the
/// enclosing function: <c>return;</c>, <c>return false;</c> (the kernel's -EBUSY), <c>yield break;</c>, or a throw.
/// </summary>
internal static class FailureBranch
{
    private const string Comment = "// the page may be pinned (-EBUSY): restore the entry and fail";

    public static StatementSyntax Create(ExpressionStatementSyntax original, string call, SemanticModel model)
    {
        string indent = Indentation.Of(original);
        string failure = FailureStatement(original, model);
        string text =
            $"if (!{call})\n" +
            $"{indent}{{\n" +
            $"{indent}{Indentation.Unit}{Comment}\n" +
            $"{indent}{Indentation.Unit}{failure}\n" +
            $"{indent}}}";
        return SyntaxFactory.ParseStatement(text)
            .WithLeadingTrivia(original.GetLeadingTrivia())
            .WithTrailingTrivia(original.GetTrailingTrivia());
    }

    private static string FailureStatement(SyntaxNode at, SemanticModel model)
    {
        var function = at.Ancestors().FirstOrDefault(n => n is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax or BaseMethodDeclarationSyntax or AccessorDeclarationSyntax);
        if (function is null)
            return Throw;
        if (function.DescendantNodes(n => n == function || !IsFunction(n)).OfType<YieldStatementSyntax>().Any())
            return "yield break;";
        if (model.GetEnclosingSymbol(at.SpanStart) is not IMethodSymbol method)
            return Throw;
        var returnType = method.ReturnType;
        if (method.IsAsync && returnType is INamedTypeSymbol { IsGenericType: true } task)
            returnType = task.TypeArguments[0];
        else if (method.IsAsync)
            return "return;";
        if (method.ReturnsVoid)
            return "return;";
        return returnType.SpecialType == SpecialType.System_Boolean ? "return false;" : Throw;
    }

    private static bool IsFunction(SyntaxNode node) =>
        node is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax;

    private const string Throw = "throw new System.InvalidOperationException(\"the page may be pinned\");";
}
