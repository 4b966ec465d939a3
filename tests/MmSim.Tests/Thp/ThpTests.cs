using MmSim.Tests.Vm;
using Xunit;
using static MmSim.Tests.Vm.TestMachine;

namespace MmSim.Tests.Thp;

/// <summary>PMD-mapped THPs: huge faults, the huge zero page, COW by split, fork, pins and partial operations.</summary>
public class ThpTests
{
    private const ulong Thp = 2UL << 20;

    private static (Machine Machine, Process P, ulong Mem) WithThpArea(ThpMode mode = ThpMode.Madvise, CowSemantics semantics = CowSemantics.AnonExclusive)
    {
        var machine = new Machine(new MachineOptions { MemoryBytes = 32L << 20, Thp = mode, Semantics = semantics, DebugVm = true });
        var p = machine.CreateProcess();
        ulong mem = p.Mmap(0, Thp, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Anonymous);
        Assert.Equal(0UL, mem % Thp);
        if (mode == ThpMode.Madvise)
            p.Madvise(mem, Thp, Advice.HugePage);
        return (machine, p, mem);
    }

    [Fact]
    public void A_write_fault_maps_one_exclusive_thp_through_a_pmd()
    {
        var (machine, p, mem) = WithThpArea();
        using var _ = machine;

        p.WriteByte(mem + 5 * Page, 1);

        var head = p.PageMap(mem);
        var sub = p.PageMap(mem + 5 * Page);
        Assert.True(head.Thp && head.AnonExclusive && sub.Thp && sub.AnonExclusive);
        Assert.Equal(head.Pfn + 5, sub.Pfn);
        Assert.Equal(512, machine.Stats.AnonPages);
        machine.CheckInvariants();
    }

    [Fact]
    public void Without_madvise_or_with_thp_never_base_pages_are_used()
    {
        var (machine, p, mem) = WithThpArea(ThpMode.Never);
        using var _ = machine;
        p.WriteByte(mem, 1);
        Assert.False(p.PageMap(mem).Thp);

        ulong plain = p.Mmap(0, Thp, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Anonymous);
        p.WriteByte(plain, 1);
        Assert.False(p.PageMap(plain).Thp);
    }

    [Fact]
    public void A_read_fault_maps_the_huge_zero_page_and_a_write_maps_a_new_thp()
    {
        var (machine, p, mem) = WithThpArea();
        using var _ = machine;

        Assert.Equal(0, p.ReadByte(mem + 7 * Page));
        var zero = p.PageMap(mem + 7 * Page);
        Assert.True(zero.ZeroPage && zero.Thp);

        p.WriteByte(mem + 7 * Page, 3);

        // do_huge_zero_wp_pmd() (6.13): the whole 2 MiB becomes a new exclusive THP
        var written = p.PageMap(mem + 7 * Page);
        Assert.True(written.Anon && written.AnonExclusive && written.Thp && !written.ZeroPage);
        Assert.Equal(written.Pfn - 7, p.PageMap(mem).Pfn);
        Assert.Equal(3, p.ReadByte(mem + 7 * Page));
        Assert.Equal(0, p.ReadByte(mem + 8 * Page));
        machine.CheckInvariants();
    }

    [Fact]
    public void A_write_to_the_huge_zero_page_without_a_free_thp_splits_it()
    {
        var (machine, p, mem) = WithThpArea();
        using var _ = machine;
        Assert.Equal(0, p.ReadByte(mem + 7 * Page));

        machine.FailAllocations(0); // the THP of do_huge_zero_wp_pmd(): fall back to splitting the PMD
        p.WriteByte(mem + 7 * Page, 3);

        var written = p.PageMap(mem + 7 * Page);
        Assert.True(written.Anon && written.AnonExclusive && !written.Thp); // one small page copied in
        Assert.True(p.PageMap(mem).ZeroPage && !p.PageMap(mem).Thp);      // the rest: small zero page entries
        machine.CheckInvariants();
    }

    [Fact]
    public void Prot_none_over_a_whole_pmd_keeps_it_huge_and_access_comes_back_with_the_protection()
    {
        var (machine, p, mem) = WithThpArea();
        using var _ = machine;
        p.WriteByte(mem + 3 * Page, 5);

        p.Mprotect(mem, Thp, Prot.None); // change_huge_pmd(): a PROT_NONE PMD, not 512 PTEs

        Assert.Throws<SegmentationFaultException>(() => p.ReadByte(mem + 3 * Page));
        var entry = p.PageMap(mem + 3 * Page);
        Assert.True(entry.Present && entry.Thp && entry.AnonExclusive);
        p.Mprotect(mem, Thp, Prot.Read | Prot.Write);
        Assert.Equal(5, p.ReadByte(mem + 3 * Page));
        p.WriteByte(mem + 4 * Page, 6);
        Assert.Equal(entry.Pfn + 1, p.PageMap(mem + 4 * Page).Pfn); // still the same THP
        machine.CheckInvariants();
    }

    [Fact]
    public void Fork_copies_the_huge_zero_pmd_because_its_fault_prepared_an_anon_vma()
    {
        var (machine, parent, mem) = WithThpArea();
        using var _ = machine;
        Assert.Equal(0, parent.ReadByte(mem));

        var child = parent.Fork();

        // vmf_anon_prepare() precedes the huge zero page in do_huge_pmd_anonymous_page(), so
        // copy_page_range() does not skip the area (a small zero page alone would leave it empty)
        var inherited = child.PageMap(mem + 9 * Page);
        Assert.True(inherited.Present && inherited.ZeroPage && inherited.Thp);
        Assert.Equal(parent.PageMap(mem + 9 * Page).Pfn, inherited.Pfn);
        machine.CheckInvariants();
    }

    [Fact]
    public void Fork_shares_the_pmd_and_a_write_splits_and_copies_one_subpage()
    {
        var (machine, parent, mem) = WithThpArea();
        using var _ = machine;
        parent.Write(mem, new byte[Thp]);
        var child = parent.Fork();
        Assert.Equal(parent.PageMap(mem).Pfn, child.PageMap(mem).Pfn);
        Assert.False(parent.PageMap(mem).AnonExclusive);
        machine.CheckInvariants();

        parent.WriteByte(mem + 3 * Page, 9);

        Assert.NotEqual(child.PageMap(mem + 3 * Page).Pfn, parent.PageMap(mem + 3 * Page).Pfn);
        Assert.Equal(child.PageMap(mem + 4 * Page).Pfn, parent.PageMap(mem + 4 * Page).Pfn); // still shared, PTE-mapped
        Assert.True(parent.PageMap(mem + 4 * Page).Thp);
        Assert.Equal(0, child.ReadByte(mem + 3 * Page));
        machine.CheckInvariants();
    }

    [Fact]
    public void A_pinned_thp_is_split_at_fork_and_the_child_gets_copies()
    {
        var (machine, parent, mem) = WithThpArea();
        using var _ = machine;
        parent.Write(mem, new byte[Thp]);
        using var pin = parent.PinUserPages(mem, 2, GupFlags.Write | GupFlags.Longterm);
        Assert.True(parent.PageMap(mem + 100 * Page).MaybePinned); // one pin makes the whole folio maybe-pinned

        var child = parent.Fork();

        Assert.NotEqual(parent.PageMap(mem).Pfn, child.PageMap(mem).Pfn);
        Assert.True(parent.PageMap(mem).AnonExclusive && parent.PageMap(mem + 1000).AnonExclusive);
        parent.WriteByte(mem, 5);
        var seen = new byte[1];
        pin.Read(0, 0, seen);
        Assert.Equal(5, seen[0]);
        machine.CheckInvariants();
    }

    [Fact]
    public void A_partial_munmap_splits_and_the_thp_stays_pte_mapped()
    {
        var (machine, p, mem) = WithThpArea();
        using var _ = machine;
        long free = machine.Stats.FreePages;
        p.Write(mem, new byte[Thp]);

        p.Munmap(mem + Page, Page);

        Assert.True(p.PageMap(mem).Thp && p.PageMap(mem).AnonExclusive);
        Assert.False(p.PageMap(mem + Page).Present);
        Assert.True(p.PageMap(mem + 2 * Page).AnonExclusive); // the head's exclusivity went to every subpage
        machine.CheckInvariants();
        p.Munmap(mem, Thp);
        machine.CheckInvariants();
        Assert.Equal(0, machine.Stats.AnonPages);
    }

    [Theory]
    [InlineData(true)]   // the whole 2 MiB: the emptied PTE table goes, and the next fault maps a THP again
    [InlineData(false)]  // all but one page: the table stays, the next fault maps a small page
    public void Madvise_dontneed_of_a_whole_pmd_frees_its_pte_table(bool whole)
    {
        var (machine, p, mem) = WithThpArea();
        using var _ = machine;
        p.WriteByte(mem, 1);
        p.Mprotect(mem, Page, Prot.Read); // PTE-map the THP
        p.Mprotect(mem, Page, Prot.Read | Prot.Write);
        long tables = machine.Stats.PageTablePages;

        p.Madvise(whole ? mem : mem + Page, whole ? Thp : Thp - Page, Advice.DontNeed);

        Assert.Equal(whole ? tables - 1 : tables, machine.Stats.PageTablePages); // try_to_free_pte() (6.14)
        p.WriteByte(mem + 7 * Page, 2);
        Assert.Equal(whole, p.PageMap(mem + 7 * Page).Thp);
        machine.CheckInvariants();
    }

    [Fact]
    public void A_ro_pin_of_a_shared_thp_unshares_one_subpage()
    {
        var (machine, parent, mem) = WithThpArea();
        using var _ = machine;
        parent.Write(mem, new byte[Thp]);
        var child = parent.Fork();

        using var pin = parent.PinUserPages(mem + 10 * Page, 1, GupFlags.Longterm | GupFlags.Fast);

        Assert.True(parent.PageMap(mem + 10 * Page).AnonExclusive);
        Assert.False(parent.PageMap(mem + 10 * Page).Thp);
        Assert.Equal(child.PageMap(mem + 11 * Page).Pfn, parent.PageMap(mem + 11 * Page).Pfn);
        machine.CheckInvariants();
    }

    [Fact]
    public void Thp_allocation_failure_falls_back_to_base_pages()
    {
        using var machine = new Machine(new MachineOptions { MemoryBytes = 4L << 20, DebugVm = true });
        var p = machine.CreateProcess();
        var hogs = p.MapAnon(600); // 600 of 1024 frames: no free 2 MiB block is left
        for (ulong i = 0; i < 600; i++)
            p.WriteByte(hogs + i * Page, 1);
        ulong mem = p.Mmap(0, Thp, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Anonymous);
        p.Madvise(mem, Thp, Advice.HugePage);

        p.WriteByte(mem, 1);

        Assert.False(p.PageMap(mem).Thp);
        Assert.True(p.PageMap(mem).AnonExclusive);
        machine.CheckInvariants();
    }
}
