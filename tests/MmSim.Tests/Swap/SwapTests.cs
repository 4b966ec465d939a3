using System.Collections.Generic;
using MmSim.Tests.Vm;
using Xunit;
using static MmSim.Tests.Vm.TestMachine;

namespace MmSim.Tests.Swap;

/// <summary>Swap-out through MADV_PAGEOUT and reclaim, swap-in, SWP_EXCLUSIVE, fork of swap entries, exhaustion.</summary>
public class SwapTests
{
    private static Machine WithSwap(CowSemantics semantics = CowSemantics.AnonExclusive, long memory = 16L << 20, long swap = 16L << 20, bool remembers = true) =>
        new(new MachineOptions { MemoryBytes = memory, SwapBytes = swap, Semantics = semantics, SwapRemembersExclusive = remembers, DebugVm = true });

    [Fact]
    public void Pageout_swaps_a_page_out_and_a_read_brings_it_back()
    {
        using var machine = WithSwap();
        long free = machine.Stats.FreePages;
        var p = machine.CreateProcess();
        ulong a = p.MapAnon(1);
        p.WriteByte(a + 9, 42);

        p.Madvise(a, Page, Advice.PageOut);

        var swapped = p.PageMap(a);
        Assert.True(swapped.Swapped && !swapped.Present);
        Assert.Equal(1, machine.Stats.SwapUsedPages);
        Assert.Equal(0, machine.Stats.AnonPages);
        machine.CheckInvariants();

        Assert.Equal(42, p.ReadByte(a + 9));

        var back = p.PageMap(a);
        Assert.True(back.Present && back.Anon);
        Assert.True(back.AnonExclusive); // SWP_EXCLUSIVE remembered it
        machine.CheckInvariants();
        machine.AssertCleanAfterExit(free);
        Assert.Equal(0, machine.Stats.SwapUsedPages);
    }

    [Fact]
    public void A_write_after_swap_in_reuses_the_page_and_frees_the_slot()
    {
        using var machine = WithSwap();
        var p = machine.CreateProcess();
        ulong a = p.MapAnon(1);
        p.WriteByte(a, 1);
        p.Madvise(a, Page, Advice.PageOut);

        p.WriteByte(a, 2);

        Assert.True(p.PageMap(a).AnonExclusive);
        Assert.Equal(0, machine.Stats.SwapUsedPages);
        Assert.Equal(2, p.ReadByte(a));
        machine.CheckInvariants();
    }

    [Fact]
    public void Without_swp_exclusive_a_read_swap_in_maps_the_page_read_only_and_not_exclusive()
    {
        using var machine = WithSwap(remembers: false);
        var p = machine.CreateProcess();
        ulong a = p.MapAnon(1);
        p.WriteByte(a, 1);
        p.Madvise(a, Page, Advice.PageOut);

        Assert.Equal(1, p.ReadByte(a));

        Assert.False(p.PageMap(a).AnonExclusive); // the page stays in the swap cache: refcount 2
        p.WriteByte(a, 2);                        // do_wp_page frees the swap slot and reuses
        Assert.True(p.PageMap(a).AnonExclusive);
        machine.CheckInvariants();
    }

    [Fact]
    public void Fork_shares_swap_entries_and_clears_the_exclusive_bit()
    {
        using var machine = WithSwap();
        var parent = machine.CreateProcess();
        ulong a = parent.MapAnon(1);
        parent.WriteByte(a, 7);
        parent.Madvise(a, Page, Advice.PageOut);

        var child = parent.Fork();
        machine.CheckInvariants();

        Assert.Equal(7, child.ReadByte(a));
        Assert.Equal(7, parent.ReadByte(a));
        Assert.Equal(parent.PageMap(a).Pfn, child.PageMap(a).Pfn); // one swapped-in page, shared
        Assert.False(parent.PageMap(a).AnonExclusive);
        child.WriteByte(a, 8);
        Assert.Equal(7, parent.ReadByte(a));
        machine.CheckInvariants();
    }

    [Fact]
    public void A_pinned_page_is_not_swapped_out()
    {
        using var machine = WithSwap();
        var p = machine.CreateProcess();
        ulong a = p.MapAnon(1);
        p.WriteByte(a, 1);
        using var pin = p.PinUserPages(a, 1, GupFlags.Write | GupFlags.Longterm);

        p.Madvise(a, Page, Advice.PageOut);

        Assert.True(p.PageMap(a).Present && p.PageMap(a).AnonExclusive);
        pin.Write(0, 0, new byte[] { 9 });
        Assert.Equal(9, p.ReadByte(a));
        machine.CheckInvariants();
    }

    [Fact]
    public void A_page_with_a_get_reference_is_unmapped_but_stays_in_the_swap_cache()
    {
        using var machine = WithSwap();
        var p = machine.CreateProcess();
        ulong a = p.MapAnon(1);
        p.WriteByte(a, 1);
        long pfn = p.PageMap(a).Pfn;
        using var get = p.GetUserPages(a, 1, GupFlags.None);

        p.Madvise(a, Page, Advice.PageOut);

        Assert.True(p.PageMap(a).Swapped);
        machine.CheckInvariants();
        Assert.Equal(1, p.ReadByte(a));
        Assert.Equal(pfn, p.PageMap(a).Pfn); // found again in the swap cache
    }

    [Fact]
    public void Memory_pressure_reclaims_to_swap_instead_of_failing()
    {
        using var machine = WithSwap(memory: 1L << 20, swap: 4L << 20); // 256 frames, 1024 slots
        long free = machine.Stats.FreePages;
        var p = machine.CreateProcess();
        ulong a = p.MapAnon(600);

        for (ulong i = 0; i < 600; i++)
            p.WriteByte(a + i * Page, (byte)i);

        Assert.True(machine.Stats.SwapUsedPages > 300);
        for (ulong i = 0; i < 600; i++)
            Assert.Equal((byte)i, p.ReadByte(a + i * Page));
        machine.CheckInvariants();
        machine.AssertCleanAfterExit(free);
        Assert.Equal(0, machine.Stats.SwapUsedPages);
    }

    [Fact]
    public void Full_swap_and_full_memory_is_ENOMEM_and_consistent()
    {
        using var machine = WithSwap(memory: 1L << 20, swap: 64 * 4096);
        var p = machine.CreateProcess();
        ulong a = p.MapAnon(600);

        var error = Assert.Throws<MmException>(() =>
        {
            for (ulong i = 0; i < 600; i++)
                p.WriteByte(a + i * Page, 1);
        });

        Assert.Equal(Errno.ENOMEM, error.Errno);
        Assert.Equal(63, machine.Stats.SwapUsedPages); // slot 0 is the header
        machine.CheckInvariants();
    }

    [Fact]
    public void Munmap_and_dontneed_free_swap_entries()
    {
        using var machine = WithSwap();
        var p = machine.CreateProcess();
        ulong a = p.MapAnon(2);
        p.Write(a, new byte[2 * Page]);
        p.Madvise(a, 2 * Page, Advice.PageOut);
        Assert.Equal(2, machine.Stats.SwapUsedPages);

        p.Madvise(a, Page, Advice.DontNeed);
        p.Munmap(a + Page, Page);

        Assert.Equal(0, machine.Stats.SwapUsedPages);
        machine.CheckInvariants();
    }

    [Fact]
    public void Shared_pages_are_left_alone_by_pageout()
    {
        using var machine = WithSwap();
        var p = machine.CreateProcess();
        ulong a = p.MapAnon(1);
        p.WriteByte(a, 1);
        var child = p.Fork();

        p.Madvise(a, Page, Advice.PageOut);

        Assert.True(p.PageMap(a).Present);
        Assert.Equal(0, machine.Stats.SwapUsedPages);
    }
}
