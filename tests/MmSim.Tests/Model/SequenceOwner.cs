namespace MmSim.Tests.Model;

/// <summary>A process of a random sequence, and the byte the model says each of its pages holds.</summary>
internal sealed class SequenceOwner(Process process, byte[] values)
{
    public Process Process { get; } = process;

    public byte[] Values { get; } = values;
}
