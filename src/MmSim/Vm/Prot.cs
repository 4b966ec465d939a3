using System;

namespace MmSim;

/// <summary>PROT_* protection bits of mmap and mprotect.</summary>
[Flags]
public enum Prot
{
    None = 0,
    Read = 1,
    Write = 2,
    Exec = 4,
}
