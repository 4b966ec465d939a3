using System;

namespace MmSim.Faults;

/// <summary>FAULT_FLAG_* (include/linux/mm_types.h), the subset the simulator uses.</summary>
[Flags]
internal enum FaultFlags
{
    None = 0,
    /// <summary>FAULT_FLAG_WRITE.</summary>
    Write = 1,
    /// <summary>FAULT_FLAG_UNSHARE: break COW so that an exclusive anon page is mapped (R/O) afterwards.</summary>
    Unshare = 2,
    /// <summary>FAULT_FLAG_REMOTE: raised by GUP on behalf of a device or another process.</summary>
    Remote = 4,
}
