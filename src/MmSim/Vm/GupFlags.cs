using System;

namespace MmSim;

/// <summary>What a get_user_pages / pin_user_pages call asks for.</summary>
[Flags]
public enum GupFlags
{
    None = 0,
    /// <summary>FOLL_WRITE: the device will write.</summary>
    Write = 1,
    /// <summary>FOLL_LONGTERM: the pin is held indefinitely (io_uring, RDMA).</summary>
    Longterm = 2,
    /// <summary>GUP-fast: lockless walk first.</summary>
    Fast = 4,
    /// <summary>FOLL_FORCE: ptrace-style access that may write into a private R/O mapping through COW.</summary>
    Force = 8,
}
