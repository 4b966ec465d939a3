namespace MmSim;

/// <summary>MADV_* advice of madvise.</summary>
public enum Advice
{
    Normal, DontNeed, DontFork, DoFork, WipeOnFork, KeepOnFork, HugePage,
    NoHugePage, Collapse, PageOut, Cold, Mergeable, Unmergeable,
    PopulateRead, PopulateWrite, HwPoison,
}
