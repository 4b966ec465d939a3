using System.Collections.Generic;
using MmSim.Tests.Vm;
using Xunit;
using static MmSim.Tests.Vm.TestMachine;

namespace MmSim.Tests.Migration;

/// <summary>compact_memory: movable pages move up, free memory gathers into blocks a THP fault can use; pinned pages stay.</summary>
public class CompactionTests
{
    private const ulong Thp = 2UL << 20;

    /// <summary>Fills memory with pages, then drops every other one: plenty of free memory, no free 2 MiB block.</summary>
    private static (Machine Machine, Process P, Dictionary<ulong, byte> Kept, long Free) Fragmented()
    {
        var machine = new Machine(new MachineOptions { MemoryBytes = 16L << 20, Thp = ThpMode.Madvise, DebugVm = true });
        long free = machine.Stats.FreePages;
        var p = machine.CreateProcess();
        ulong pages = (ulong)free - 160;
        ulong a = p.MapAnon(pages);
        var kept = new Dictionary<ulong, byte>();
        for (ulong i = 0; i < pages; i++)
            p.WriteByte(a + i * Page, (byte)(i % 251 + 1));
        for (ulong i = 0; i < pages; i++)
        {
            if (i % 2 == 0)
                p.Madvise(a + i * Page, Page, Advice.DontNeed);
            else
                kept[a + i * Page] = (byte)(i % 251 + 1);
        }
        return (machine, p, kept, free);
    }

    private static bool ThpFaultSucceeds(Process p)
    {
        ulong area = p.Mmap(0, 2 * Thp, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Anonymous);
        ulong mem = (area + Thp - 1) & ~(Thp - 1);
        p.Madvise(mem, Thp, Advice.HugePage);
        p.WriteByte(mem, 1);
        bool thp = p.PageMap(mem).Thp;
        p.Munmap(area, 2 * Thp);
        return thp;
    }

    [Fact]
    public void Compaction_gathers_free_memory_so_that_a_thp_fault_succeeds()
    {
        var (machine, p, kept, free) = Fragmented();
        using var _ = machine;
        Assert.False(ThpFaultSucceeds(p)); // do_huge_pmd_anonymous_page() falls back to a base page

        int moved = machine.CompactMemory();

        Assert.True(moved > 0);
        Assert.True(ThpFaultSucceeds(p));
        foreach (var (address, value) in kept)
            Assert.Equal(value, p.ReadByte(address));
        machine.CheckInvariants();
        machine.AssertCleanAfterExit(free);
    }

    [Fact]
    public void A_pinned_page_stays_where_it_is_and_its_pin_stays_coherent()
    {
        var (machine, p, kept, free) = Fragmented();
        using var _ = machine;
        ulong pinnedAt = 0;
        foreach (ulong address in kept.Keys)
            pinnedAt = pinnedAt == 0 || p.PageMap(address).Pfn < p.PageMap(pinnedAt).Pfn ? address : pinnedAt;
        long pfn = p.PageMap(pinnedAt).Pfn; // the lowest kept page: the first the migration scanner reaches
        var pin = p.PinUserPages(pinnedAt, 1, GupFlags.Write);

        machine.CompactMemory();

        Assert.Equal(pfn, p.PageMap(pinnedAt).Pfn);
        pin.Write(0, 0, [42]);
        Assert.Equal(42, p.ReadByte(pinnedAt));
        machine.CheckInvariants();
        pin.Release();
        machine.AssertCleanAfterExit(free);
    }

    [Fact]
    public void Compacting_an_idle_machine_moves_nothing_and_changes_nothing()
    {
        using var machine = Create();
        long free = machine.Stats.FreePages;

        Assert.Equal(0, machine.CompactMemory());

        Assert.Equal(free, machine.Stats.FreePages);
        machine.CheckInvariants();
    }
}
