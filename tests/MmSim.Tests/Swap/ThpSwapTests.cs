using MmSim.Tests.Vm;
using MmSim.Vm;
using Xunit;
using static MmSim.Tests.Vm.TestMachine;

namespace MmSim.Tests.Swap;

/// <summary>
/// THP swap-out (CONFIG_THP_SWAP): a whole THP takes one aligned cluster of slots, try_to_unmap() splits its
/// PMD first, each page's entry keeps that page's exclusivity, and a folio something still references stays
/// whole in the swap cache.
/// </summary>
public class ThpSwapTests
{
    private const ulong Thp = 2UL << 20;
    private const int Pages = (int)(Thp / Page);

    private static (Machine Machine, Process P, ulong Mem, long Free) WithThp(long swap = 16L << 20, CowSemantics semantics = CowSemantics.AnonExclusive, long memory = 32L << 20)
    {
        var machine = new Machine(new MachineOptions { MemoryBytes = memory, SwapBytes = swap, Thp = ThpMode.Madvise, Semantics = semantics, DebugVm = true });
        long free = machine.Stats.FreePages;
        var p = machine.CreateProcess();
        ulong area = p.Mmap(0, 2 * Thp, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Anonymous);
        ulong mem = (area + Thp - 1) & ~(Thp - 1);
        p.Madvise(mem, Thp, Advice.HugePage);
        for (int i = 0; i < Pages; i++)
            p.WriteByte(mem + (ulong)i * Page, (byte)(i + 1));
        Assert.True(p.PageMap(mem).Thp);
        return (machine, p, mem, free);
    }

    /// <summary>Every page reads back what the prologue wrote; after exit no page, pin or swap slot is left.</summary>
    private static void AssertContentsThenCleanExit(Machine machine, Process p, ulong mem, long free)
    {
        for (int i = 0; i < Pages; i++)
            Assert.Equal((byte)(i + 1), p.ReadByte(mem + (ulong)i * Page));
        machine.CheckInvariants();
        machine.AssertCleanAfterExit(free);
        Assert.Equal(0, machine.Stats.SwapUsedPages);
    }

    private static long SwapOffset(Process p, ulong address) => p.PageMap(address).Pfn >> PageMapReader.SwapFrameShift;

    [Fact]
    public void A_thp_goes_to_one_aligned_cluster_and_comes_back_page_by_page()
    {
        var (machine, p, mem, free) = WithThp();
        using var _ = machine;

        p.Madvise(mem, Thp, Advice.PageOut);

        long first = SwapOffset(p, mem);
        Assert.Equal(0, first % Pages);
        for (int i = 0; i < Pages; i++)
        {
            var entry = p.PageMap(mem + (ulong)i * Page);
            Assert.True(entry.Swapped && !entry.Present);
            Assert.Equal(first + i, SwapOffset(p, mem + (ulong)i * Page));
        }
        Assert.Equal(Pages, machine.Stats.SwapUsedPages);
        Assert.Equal(0, machine.Stats.AnonPages); // written out and freed whole
        machine.CheckInvariants();

        Assert.Equal(8, p.ReadByte(mem + 7 * Page));
        var back = p.PageMap(mem + 7 * Page);
        Assert.True(back.Present && back.AnonExclusive && !back.Thp); // SWP_EXCLUSIVE of that page; read into a small folio
        Assert.True(p.PageMap(mem + 8 * Page).Swapped);
        Assert.Equal(Pages, machine.Stats.SwapUsedPages); // a read fault leaves the page in the swap cache, its slot held
        AssertContentsThenCleanExit(machine, p, mem, free);
    }

    [Fact]
    public void A_pinned_thp_is_split_to_ptes_but_stays_mapped()
    {
        var (machine, p, mem, free) = WithThp();
        var pin = p.PinUserPages(mem + 3 * Page, 1, GupFlags.Write | GupFlags.Longterm);

        p.Madvise(mem, Thp, Advice.PageOut); // try_to_unmap() splits the PMD, then page_try_share_anon_rmap() fails

        for (int i = 0; i < Pages; i++)
        {
            var entry = p.PageMap(mem + (ulong)i * Page);
            Assert.True(entry.Present && entry.AnonExclusive && entry.Thp);
        }
        pin.Write(0, 0, [99]);
        Assert.Equal(99, p.ReadByte(mem + 3 * Page));
        machine.CheckInvariants();
        pin.Release();
        machine.AssertCleanAfterExit(free);
        Assert.Equal(0, machine.Stats.SwapUsedPages);
    }

    [Fact]
    public void A_thp_with_a_get_reference_stays_whole_in_the_swap_cache_and_faults_back_in_place()
    {
        var (machine, p, mem, free) = WithThp();
        long pfn = p.PageMap(mem).Pfn;
        var get = p.GetUserPages(mem + 5 * Page, 1, GupFlags.None); // vmsplice: FOLL_GET, not a pin

        p.Madvise(mem, Thp, Advice.PageOut);

        Assert.True(p.PageMap(mem).Swapped && p.PageMap(mem + 5 * Page).Swapped);
        Assert.Equal(Pages, machine.Stats.AnonPages); // the swap cache keeps the folio: someone still holds it
        machine.CheckInvariants();

        Assert.Equal(6, p.ReadByte(mem + 5 * Page));
        var back = p.PageMap(mem + 5 * Page);
        Assert.Equal(pfn + 5, back.Pfn); // the same page of the same large folio, found in the swap cache
        Assert.True(back.Thp && back.AnonExclusive);
        Assert.True(p.PageMap(mem + 4 * Page).Swapped);
        p.WriteByte(mem + 5 * Page, 7); // exclusive: reused in place, the reference sees the write
        var seen = new byte[1];
        get.Read(0, 0, seen);
        Assert.Equal(7, seen[0]);
        machine.CheckInvariants();
        get.Release();
        machine.AssertCleanAfterExit(free);
        Assert.Equal(0, machine.Stats.SwapUsedPages);
    }

    [Fact]
    public void A_thp_in_the_swap_cache_moves_whole_with_its_slots()
    {
        var (machine, p, mem, free) = WithThp();
        long pfn = p.PageMap(mem).Pfn;
        using (p.GetUserPages(mem + 5 * Page, 1, GupFlags.None))
            p.Madvise(mem, Thp, Advice.PageOut); // the reference keeps the THP whole in the swap cache
        Assert.Equal(6, p.ReadByte(mem + 5 * Page)); // page 5 mapped again from the cached THP

        Assert.Equal(new[] { 0 }, p.MovePages(mem + 5 * Page, 1));

        long moved = p.PageMap(mem + 5 * Page).Pfn;
        Assert.NotEqual(pfn + 5, moved);
        Assert.True(p.PageMap(mem + 5 * Page).Thp);
        Assert.True(p.PageMap(mem + 4 * Page).Swapped); // the other slots still name the cache...
        Assert.Equal(5, p.ReadByte(mem + 4 * Page));
        Assert.Equal(moved - 1, p.PageMap(mem + 4 * Page).Pfn); // ...which now holds the new THP
        machine.CheckInvariants();
        AssertContentsThenCleanExit(machine, p, mem, free);
    }

    [Fact]
    public void Without_a_free_cluster_the_thp_is_split_and_its_pages_go_one_by_one()
    {
        var (machine, p, mem, free) = WithThp(swap: 1L << 20); // 255 usable slots: no 512-slot cluster

        p.Madvise(mem, Thp, Advice.PageOut);

        int swapped = 0;
        for (int i = 0; i < Pages; i++)
        {
            var entry = p.PageMap(mem + (ulong)i * Page);
            Assert.True(entry.Swapped || (entry.Present && !entry.Thp));
            swapped += entry.Swapped ? 1 : 0;
        }
        Assert.Equal(255, swapped);
        Assert.Equal(255, machine.Stats.SwapUsedPages);
        AssertContentsThenCleanExit(machine, p, mem, free);
    }

    [Fact]
    public void Fork_shares_every_entry_and_each_side_copies_on_write()
    {
        var (machine, parent, mem, free) = WithThp();
        parent.Madvise(mem, Thp, Advice.PageOut);
        var child = parent.Fork();

        child.WriteByte(mem + 9 * Page, 0xee);

        Assert.Equal(10, parent.ReadByte(mem + 9 * Page));
        Assert.Equal(0xee, child.ReadByte(mem + 9 * Page));
        Assert.True(child.PageMap(mem + 9 * Page).AnonExclusive);
        Assert.False(parent.PageMap(mem + 9 * Page).AnonExclusive); // fork cleared the entry's exclusive bit
        machine.CheckInvariants();
        child.Exit();
        parent.WriteByte(mem + 9 * Page, 1); // the last user: the swap-cache page is reused
        Assert.True(parent.PageMap(mem + 9 * Page).AnonExclusive);
        machine.CheckInvariants();
        machine.AssertCleanAfterExit(free);
        Assert.Equal(0, machine.Stats.SwapUsedPages);
    }

    [Fact]
    public void Memory_pressure_swaps_a_partially_unmapped_thp_out_after_splitting_it()
    {
        var (machine, p, mem, free) = WithThp(memory: 4L << 20);
        p.Munmap(mem + Thp / 2, Thp / 2); // the folio is mapped in part: reclaim splits it first
        ulong filler = p.MapAnon(800);

        for (ulong i = 0; i < 800; i++)
            p.WriteByte(filler + i * Page, 0x5a);

        Assert.True(machine.Stats.SwapUsedPages > 0);
        for (int i = 0; i < Pages / 2; i++)
            Assert.Equal((byte)(i + 1), p.ReadByte(mem + (ulong)i * Page));
        machine.CheckInvariants();
        machine.AssertCleanAfterExit(free);
        Assert.Equal(0, machine.Stats.SwapUsedPages);
    }
}
