using System;

namespace MmSim;

/// <summary>
/// A failed operation, carrying the errno the kernel would return for it. Bad arguments, exhausted
/// resources and busy pages end here; the machine is left as consistent as before the call.
/// </summary>
public class MmException : Exception
{
    public MmException(Errno errno, string message)
        : base($"{errno}: {message}")
    {
        Errno = errno;
    }

    public Errno Errno { get; }
}
