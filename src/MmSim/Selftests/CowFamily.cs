using System;

namespace MmSim.Selftests;

/// <summary>
/// One test family of tools/testing/selftests/mm/cow.c: what it does to the prepared memory, and
/// what each kernel generation did (cow-selftest.md, "Expected outcomes before / after the fixes").
/// </summary>
internal sealed class CowFamily
{
    public CowFamily(string name, bool anonymous, Func<CowContext, (bool Passed, string Detail)> run, Func<CowSemantics, MemoryKind, SelftestResult> expected)
    {
        Name = name;
        Anonymous = anonymous;
        Run = run;
        Expected = expected;
    }

    /// <summary>The name cow.c prints.</summary>
    public string Name { get; }

    /// <summary>Whether the family runs on anonymous kinds (else on the non-anonymous ones).</summary>
    public bool Anonymous { get; }

    public Func<CowContext, (bool Passed, string Detail)> Run { get; }

    public Func<CowSemantics, MemoryKind, SelftestResult> Expected { get; }
}

/// <summary>What a family gets to work with: a machine, a process, and the prepared range.</summary>
internal sealed record CowContext(Machine Machine, Process Process, MemoryKind Kind, ulong Mem, ulong SharedView)
{
    public int Size => Kind.Size;

    public byte[] Snapshot(Process process, ulong address)
    {
        var bytes = new byte[Size];
        process.Read(address, bytes);
        return bytes;
    }
}
