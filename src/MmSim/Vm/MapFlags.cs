using System;

namespace MmSim;

/// <summary>MAP_* flags of mmap.</summary>
[Flags]
public enum MapFlags
{
    Private = 1,
    Shared = 2,
    Anonymous = 4,
    Fixed = 8,
    Populate = 16,
    HugeTlb = 32,
    HugeTlb1G = 64,
}
