using System.Collections.Generic;
using MmSim.Analyzers.Rules;

namespace MmSim.Analyzers.Infrastructure;

/// <summary>Every flow-sensitive rule, whose visitors the shared pass runs together.</summary>
internal static class PageFlowRules
{
    public static readonly IReadOnlyList<PageFlowAnalyzer> All =
    [
        new ClearAnonExclusiveAnalyzer(),
        new NotAnonFlagOnAnonPageAnalyzer(),
        new AnonExclusiveOnNonAnonPageAnalyzer(),
        new FlagPolicyViolationAnalyzer(),
        new TryShareWithoutExclusivityTestAnalyzer(),
        new WriteGrantWithoutExclusivityAnalyzer(),
        new PinWithoutUnshareAnalyzer(),
        new PageTableLockNotHeldAnalyzer(),
        new PinNotBalancedAnalyzer(),
        new GetPutMixedWithPinUnpinAnalyzer(),
        new DebugOnlySecurityCheckAnalyzer(),
        new EntryKindMisuseAnalyzer(),
    ];
}
