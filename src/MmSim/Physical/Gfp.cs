using System;

namespace MmSim.Physical;

/// <summary>Allocation flags (the subset of gfp_t the simulator honours).</summary>
[Flags]
public enum Gfp
{
    None = 0,
    /// <summary>__GFP_ZERO: the pages read as zeros.</summary>
    Zero = 1,
    /// <summary>__GFP_MOVABLE: the pages may be migrated (the zone choice of GFP_HIGHUSER_MOVABLE).</summary>
    Movable = 2,
}
