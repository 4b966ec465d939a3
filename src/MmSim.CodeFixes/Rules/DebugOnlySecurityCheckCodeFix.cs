using System.Composition;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using MmSim.Analyzers.Infrastructure;
using MmSim.Analyzers.Rules;
using MmSim.CodeFixes.Infrastructure;

namespace MmSim.CodeFixes.Rules;

/// <summary>
/// MM0012: makes the debug-only check always-on, <c>MmBug.VmOn(...)</c> to <c>MmBug.On(...)</c>
/// (VM_BUG_ON to BUG_ON), using the counterpart the analyzer found by its contract.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(DebugOnlySecurityCheckCodeFix)), Shared]
public sealed class DebugOnlySecurityCheckCodeFix : RenameInvocationCodeFix
{
    public const string EquivalenceKey = "MM0012.MakeAlwaysOn";

    public DebugOnlySecurityCheckCodeFix()
        : base(Descriptors.MM0012_DebugOnlyCheckGuardsSecurityDecision.Id, DebugOnlySecurityCheckAnalyzer.AlwaysOnCheck, EquivalenceKey)
    {
    }

    private protected override string Title(string newName) => $"Make it always-on ('{newName}')";
}
