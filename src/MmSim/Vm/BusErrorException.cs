namespace MmSim;

/// <summary>
/// An access the kernel answers with SIGBUS: a page of a file mapping beyond the end of the file, a missing
/// hugetlb page, or a frame with a memory error (<see cref="Errno.EHWPOISON"/>, BUS_MCEERR_AR).
/// </summary>
public sealed class BusErrorException : MmException
{
    public BusErrorException(ulong address, bool isWrite, string reason, Errno errno = Errno.EFAULT)
        : base(errno, $"bus error at 0x{address:x} ({(isWrite ? "write" : "read")}): {reason}")
    {
        Address = address;
        IsWrite = isWrite;
    }

    /// <summary>The faulting address.</summary>
    public ulong Address { get; }

    /// <summary>Whether the faulting access was a write.</summary>
    public bool IsWrite { get; }
}
