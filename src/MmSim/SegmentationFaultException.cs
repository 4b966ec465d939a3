namespace MmSim;

/// <summary>
/// An access the CPU would fault on and the kernel would answer with SIGSEGV: no mapping at the
/// address, or a mapping that does not allow the access.
/// </summary>
public sealed class SegmentationFaultException : MmException
{
    public SegmentationFaultException(ulong address, bool isWrite, string reason)
        : base(Errno.EFAULT, $"segmentation fault at 0x{address:x} ({(isWrite ? "write" : "read")}): {reason}")
    {
        Address = address;
        IsWrite = isWrite;
    }

    /// <summary>The first faulting address.</summary>
    public ulong Address { get; }

    /// <summary>Whether the faulting access was a write.</summary>
    public bool IsWrite { get; }
}
