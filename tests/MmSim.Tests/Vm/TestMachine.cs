namespace MmSim.Tests.Vm;

/// <summary>Helpers for process-level tests.</summary>
internal static class TestMachine
{
    public const ulong Page = Machine.PageSize;

    public static Machine Create(CowSemantics semantics = CowSemantics.AnonExclusive, long memory = 16L << 20) =>
        new(new MachineOptions { MemoryBytes = memory, Semantics = semantics, DebugVm = true });

    public static ulong MapAnon(this Process process, ulong pages, Prot prot = Prot.Read | Prot.Write) =>
        process.Mmap(0, pages * Page, prot, MapFlags.Private | MapFlags.Anonymous);

    public static byte ReadByte(this Process process, ulong address)
    {
        var one = new byte[1];
        process.Read(address, one);
        return one[0];
    }

    public static void WriteByte(this Process process, ulong address, byte value) => process.Write(address, new[] { value });

    /// <summary>
    /// Takes every free frame a kernel allocation can have (ZONE_NORMAL), then gives every other one back: free
    /// memory, but no free 2 MiB block there. Returns the frames still held; <see cref="PutAll"/> gives them back.
    /// </summary>
    public static System.Collections.Generic.List<MmSim.PageFlags.Folio> FragmentNormalZone(this Machine machine)
    {
        var taken = new System.Collections.Generic.List<MmSim.PageFlags.Folio>();
        while (machine.Physical.AllocFolio(0) is { } folio)
            taken.Add(folio);
        var held = new System.Collections.Generic.List<MmSim.PageFlags.Folio>();
        for (int i = 0; i < taken.Count; i++)
        {
            if (i % 2 == 0)
                taken[i].Put();
            else
                held.Add(taken[i]);
        }
        return held;
    }

    public static void PutAll(this System.Collections.Generic.List<MmSim.PageFlags.Folio> held)
    {
        foreach (var folio in held)
            folio.Put();
        held.Clear();
    }

    /// <summary>
    /// Exits every process and checks that nothing is left: no anon page, no pin, all frames back but the huge
    /// zero folio, which stays allocated once a read fault needed it, as the kernel's does.
    /// </summary>
    public static void AssertCleanAfterExit(this Machine machine, long freeAtStart)
    {
        machine.Dispose();
        machine.CheckInvariants();
        var stats = machine.Stats;
        Xunit.Assert.Equal(0, stats.AnonPages);
        Xunit.Assert.Equal(0, stats.PinnedPages);
        long hugeZero = machine.HugeZeroPageIfAllocated is { } zero ? zero.NrPages : 0;
        Xunit.Assert.Equal(freeAtStart, stats.FreePages + stats.FileCachePages + hugeZero);
    }
}
