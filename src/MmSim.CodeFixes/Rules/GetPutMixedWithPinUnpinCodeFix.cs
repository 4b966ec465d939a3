using System.Composition;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using MmSim.Analyzers.Infrastructure;
using MmSim.Analyzers.Rules;
using MmSim.CodeFixes.Infrastructure;

namespace MmSim.CodeFixes.Rules;

/// <summary>
/// MM0011: calls the matching release instead (put_page for FOLL_GET, unpin_user_page for FOLL_PIN): the
/// method of the same type that carries the other release contract and takes the same parameters.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(GetPutMixedWithPinUnpinCodeFix)), Shared]
public sealed class GetPutMixedWithPinUnpinCodeFix : RenameInvocationCodeFix
{
    public const string EquivalenceKey = "MM0011.UseMatchingRelease";

    public GetPutMixedWithPinUnpinCodeFix()
        : base(Descriptors.MM0011_GetPutMixedWithPinUnpin.Id, GetPutMixedWithPinUnpinAnalyzer.MatchingRelease, EquivalenceKey)
    {
    }

    private protected override string Title(string newName) => $"Release with '{newName}'";
}
