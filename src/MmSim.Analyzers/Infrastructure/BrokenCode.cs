using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace MmSim.Analyzers.Infrastructure;

/// <summary>
/// Code with syntax errors or unbound expressions: rules stay silent there, since half-typed code has
/// neither a meaning to check nor a fix that would compile (xunit/xunit#1694).
/// </summary>
internal static class BrokenCode
{
    public static bool Contains(IOperation operation)
    {
        if (operation.Syntax.ContainsDiagnostics)
            return true;
        foreach (var descendant in operation.DescendantsAndSelf())
        {
            if (descendant is IInvalidOperation)
                return true;
        }
        return false;
    }
}
