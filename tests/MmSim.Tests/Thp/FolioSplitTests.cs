using MmSim.Tests.Vm;
using Xunit;
using static MmSim.Tests.Vm.TestMachine;

namespace MmSim.Tests.Thp;

/// <summary>split_folio() as MADV_COLD, MADV_PAGEOUT and reclaim use it, and the reuse of PTE-mapped THPs.</summary>
public class FolioSplitTests
{
    private const ulong Thp = 2UL << 20;

    private static (Machine Machine, Process P, ulong Mem) WithThp()
    {
        var machine = new Machine(new MachineOptions { MemoryBytes = 32L << 20, Thp = ThpMode.Madvise, DebugVm = true });
        var p = machine.CreateProcess();
        ulong mem = p.Mmap(0, Thp, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Anonymous);
        p.Madvise(mem, Thp, Advice.HugePage);
        p.WriteByte(mem + 3 * Page, 7);
        Assert.True(p.PageMap(mem).Thp);
        return (machine, p, mem);
    }

    [Fact]
    public void Cold_on_part_of_a_thp_splits_it_and_maps_zero_filled_pages_to_the_zero_page()
    {
        var (machine, p, mem) = WithThp();
        using var _ = machine;
        long before = machine.Stats.AnonPages;

        p.Madvise(mem, 2 * Page, Advice.Cold);

        var written = p.PageMap(mem + 3 * Page);
        Assert.True(written.Anon && written.AnonExclusive && !written.Thp); // an order-0 folio now, still exclusive
        Assert.Equal(7, p.ReadByte(mem + 3 * Page));
        Assert.True(p.PageMap(mem).ZeroPage && p.PageMap(mem + 100 * Page).ZeroPage);
        Assert.Equal(1, machine.Stats.AnonPages);     // the 511 zero-filled subpages were freed
        Assert.Equal(512, before);
        p.WriteByte(mem + 100 * Page, 1);             // a write to a remapped page faults in a new one
        Assert.True(p.PageMap(mem + 100 * Page).AnonExclusive);
        machine.CheckInvariants();
    }

    [Fact]
    public void Pageout_without_swap_splits_even_a_whole_thp_and_frees_nothing_else()
    {
        var (machine, p, mem) = WithThp();
        using var _ = machine;

        p.Madvise(mem, Thp, Advice.PageOut); // shrink_folio_list(): no swap slot, split_folio_to_list()

        Assert.False(p.PageMap(mem + 3 * Page).Thp);
        Assert.True(p.PageMap(mem + 3 * Page).Present);
        Assert.Equal(1, machine.Stats.AnonPages);
        machine.CheckInvariants();
    }

    [Fact]
    public void A_pinned_or_shared_thp_is_not_split()
    {
        var (machine, p, mem) = WithThp();
        using var _ = machine;
        using (var pin = p.PinUserPages(mem, 1, GupFlags.Write | GupFlags.Longterm))
        {
            p.Madvise(mem, 2 * Page, Advice.Cold); // can_split_folio(): the pin is a reference no mapping explains
            Assert.True(p.PageMap(mem + 5 * Page).Thp && p.PageMap(mem + 5 * Page).Anon);
        }
        var child = p.Fork();
        p.Madvise(mem, 2 * Page, Advice.Cold);    // folio_maybe_mapped_shared(): left alone
        Assert.True(p.PageMap(mem + 5 * Page).Thp && p.PageMap(mem + 5 * Page).Anon);
        Assert.Equal(child.PageMap(mem + 5 * Page).Pfn, p.PageMap(mem + 5 * Page).Pfn);
        machine.CheckInvariants();
    }

    [Fact]
    public void A_pte_mapped_thp_the_other_process_stopped_mapping_is_reused_on_write()
    {
        var (machine, p, mem) = WithThp();
        using var _ = machine;
        var child = p.Fork();
        p.Mprotect(mem + Page, Page, Prot.Read);        // PTE-map the THP in the parent
        p.Mprotect(mem + Page, Page, Prot.Read | Prot.Write);
        child.Exit();
        long pfn = p.PageMap(mem + 9 * Page).Pfn;

        p.WriteByte(mem + 9 * Page, 2);

        // __wp_can_reuse_large_anon_folio(): every reference is a mapping of this process
        var after = p.PageMap(mem + 9 * Page);
        Assert.Equal(pfn, after.Pfn);
        Assert.True(after.Thp && after.AnonExclusive);
        Assert.False(p.PageMap(mem + 10 * Page).AnonExclusive); // only the faulting page becomes exclusive
        machine.CheckInvariants();
    }
}
