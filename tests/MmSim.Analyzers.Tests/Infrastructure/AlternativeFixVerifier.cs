using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace MmSim.Analyzers.Tests.Infrastructure;

/// <summary>
/// Like <see cref="Verifier{TAnalyzer, TCodeFix}.VerifyCodeFixAsync"/>, for a rule that offers several
/// fixes: applies the one with <c>equivalenceKey</c> (one by one and through Fix All).
/// </summary>
public static class AlternativeFixVerifier<TAnalyzer, TCodeFix>
    where TAnalyzer : DiagnosticAnalyzer, new()
    where TCodeFix : CodeFixProvider, new()
{
    public static Task VerifyCodeFixAsync(string source, string fixedSource, string equivalenceKey)
    {
        var test = new CSharpCodeFixTest<TAnalyzer, TCodeFix, DefaultVerifier>
        {
            TestCode = source,
            FixedCode = fixedSource,
            CodeActionEquivalenceKey = equivalenceKey,
            ReferenceAssemblies = new ReferenceAssemblies("net10.0"),
        };
        test.TestState.AdditionalReferences.AddRange(Basic.Reference.Assemblies.Net100.References.All);
        test.TestState.AdditionalReferences.Add(MetadataReference.CreateFromFile(typeof(MmSim.PageFlags.Page).Assembly.Location));
        return test.RunAsync();
    }
}
