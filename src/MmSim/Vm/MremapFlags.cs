using System;

namespace MmSim;

/// <summary>MREMAP_* flags.</summary>
[Flags]
public enum MremapFlags
{
    None = 0,
    MayMove = 1,
    Fixed = 2,
    DontUnmap = 4,
}
