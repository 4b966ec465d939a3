using System.Collections.Generic;

namespace MmSim.Differential.Sequences;

/// <summary>The madvise() advice a sequence may use, by the driver's names.</summary>
public static class AdviceNames
{
    public static readonly IReadOnlyDictionary<string, MmSim.Advice> ByName = new Dictionary<string, MmSim.Advice>
    {
        ["dontneed"] = MmSim.Advice.DontNeed,
        ["dontfork"] = MmSim.Advice.DontFork,
        ["dofork"] = MmSim.Advice.DoFork,
        ["wipeonfork"] = MmSim.Advice.WipeOnFork,
        ["keeponfork"] = MmSim.Advice.KeepOnFork,
        ["populate_read"] = MmSim.Advice.PopulateRead,
        ["populate_write"] = MmSim.Advice.PopulateWrite,
        ["pageout"] = MmSim.Advice.PageOut,
        ["cold"] = MmSim.Advice.Cold,
        ["hugepage"] = MmSim.Advice.HugePage,
        ["nohugepage"] = MmSim.Advice.NoHugePage,
        ["collapse"] = MmSim.Advice.Collapse,
    };
}
