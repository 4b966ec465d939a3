using System;

namespace MmSim;

/// <summary>An invariant of the design was violated (reported by <c>Machine.CheckInvariants</c>).</summary>
public sealed class MmInvariantException : Exception
{
    public MmInvariantException(string message)
        : base(message)
    {
    }
}
