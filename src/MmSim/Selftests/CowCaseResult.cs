namespace MmSim.Selftests;

/// <summary>One cell of the COW matrix: a test family on a memory kind under one COW generation.</summary>
/// <param name="Family">The family as cow.c prints it, e.g. "vmsplice() + unmap in child".</param>
/// <param name="Kind">The memory kind, e.g. "base page" or "shared zeropage".</param>
/// <param name="Semantics">The COW generation the case ran under.</param>
/// <param name="Result">What the simulator did.</param>
/// <param name="Expected">What the kernel of that generation did (cow-selftest history).</param>
/// <param name="Detail">The check's message: what was compared.</param>
public sealed record CowCaseResult(string Family, string Kind, CowSemantics Semantics,
    SelftestResult Result, SelftestResult Expected, string Detail)
{
    /// <summary>Whether the simulator behaved as the kernel of that generation did.</summary>
    public bool MatchesKernel => Result == Expected;
}
