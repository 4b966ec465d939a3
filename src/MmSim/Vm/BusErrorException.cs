namespace MmSim;

/// <summary>An access the kernel answers with SIGBUS: a page of a file mapping beyond the end of the file.</summary>
public sealed class BusErrorException : MmException
{
    public BusErrorException(ulong address, bool isWrite, string reason)
        : base(Errno.EFAULT, $"bus error at 0x{address:x} ({(isWrite ? "write" : "read")}): {reason}")
    {
        Address = address;
        IsWrite = isWrite;
    }

    /// <summary>The faulting address.</summary>
    public ulong Address { get; }

    /// <summary>Whether the faulting access was a write.</summary>
    public bool IsWrite { get; }
}
