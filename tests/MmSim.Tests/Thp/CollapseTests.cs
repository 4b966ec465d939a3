using MmSim.Tests.Vm;
using Xunit;
using static MmSim.Tests.Vm.TestMachine;

namespace MmSim.Tests.Thp;

/// <summary>MADV_COLLAPSE: a copy into a new exclusive THP, never in place; refused for pinned, shared-only and unpopulated ranges.</summary>
public class CollapseTests
{
    private const ulong Thp = 2UL << 20;
    private const ulong Pages = Thp / Page;

    private static (Machine Machine, Process P, ulong Mem) WithBasePages(long swapBytes = 0)
    {
        var machine = new Machine(new MachineOptions { MemoryBytes = 32L << 20, Thp = ThpMode.Madvise, SwapBytes = swapBytes, DebugVm = true });
        var p = machine.CreateProcess();
        ulong mem = p.Mmap(0, Thp, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Anonymous);
        Assert.Equal(0UL, mem % Thp);
        return (machine, p, mem); // no MADV_HUGEPAGE: faults map base pages
    }

    private static MmException CollapseFails(Process p, ulong mem) =>
        Assert.Throws<MmException>(() => p.Madvise(mem, Thp, Advice.Collapse));

    [Fact]
    public void Base_pages_become_one_exclusive_thp_with_their_contents_and_holes_read_zero()
    {
        var (machine, p, mem) = WithBasePages();
        using var _ = machine;
        for (ulong i = 0; i < Pages; i += 3)
            p.WriteByte(mem + i * Page, (byte)(i + 1));
        Assert.Equal(0, p.ReadByte(mem + 1 * Page)); // a zero-page entry

        p.Madvise(mem, Thp, Advice.Collapse);

        var head = p.PageMap(mem);
        Assert.True(head.Thp && head.AnonExclusive && head.ExclusivelyMapped);
        Assert.Equal(head.Pfn + 300, p.PageMap(mem + 300 * Page).Pfn);
        for (ulong i = 0; i < Pages; i++)
            Assert.Equal(i % 3 == 0 ? (byte)(i + 1) : (byte)0, p.ReadByte(mem + i * Page));
        Assert.Equal((long)Pages, machine.Stats.AnonPages); // the old base pages were freed
        machine.CheckInvariants();
    }

    [Fact]
    public void Collapsing_a_pmd_mapped_thp_again_succeeds_without_change()
    {
        var (machine, p, mem) = WithBasePages();
        using var _ = machine;
        p.WriteByte(mem, 1);
        p.Madvise(mem, Thp, Advice.Collapse);
        long pfn = p.PageMap(mem).Pfn;

        p.Madvise(mem, Thp, Advice.Collapse);

        Assert.Equal(pfn, p.PageMap(mem).Pfn);
        machine.CheckInvariants();
    }

    [Fact]
    public void After_fork_the_parent_collapses_a_copy_and_the_child_keeps_its_data()
    {
        var (machine, p, mem) = WithBasePages();
        using var _ = machine;
        for (ulong i = 0; i < Pages; i++)
            p.WriteByte(mem + i * Page, 1);
        var child = p.Fork();
        p.WriteByte(mem, 2); // one writable entry, the rest still COW-shared (cow.c's "lower shared")

        p.Madvise(mem, Thp, Advice.Collapse);
        for (ulong i = 0; i < Pages; i++)
            p.WriteByte(mem + i * Page, 0xff);

        Assert.True(p.PageMap(mem + 7 * Page).AnonExclusive);
        for (ulong i = 0; i < Pages; i++)
            Assert.Equal(1, child.ReadByte(mem + i * Page));
        machine.CheckInvariants();
    }

    [Fact]
    public void A_pte_mapped_thp_collapsed_before_fork_stays_cow_protected()
    {
        // cow.c "Basic COW after fork() when collapsing before fork()"; cow.c PTE-maps the THP with two
        // mprotect() calls, which needs vma_merge(), so a one-page MADV_DONTNEED splits the PMD here
        using var machine = new Machine(new MachineOptions { MemoryBytes = 32L << 20, Thp = ThpMode.Madvise, DebugVm = true });
        var p = machine.CreateProcess();
        ulong mem = p.Mmap(0, Thp, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Anonymous);
        p.Madvise(mem, Thp, Advice.HugePage);
        for (ulong i = 0; i < Pages; i++)
            p.WriteByte(mem + i * Page, 1);
        p.Madvise(mem + Page, Page, Advice.DontNeed);
        p.WriteByte(mem + Page, 1); // the THP is now PTE-mapped, with one base page in the hole
        Assert.False(p.PageMap(mem).Thp && p.PageMap(mem).Pfn + 1 == p.PageMap(mem + Page).Pfn);
        long oldHead = p.PageMap(mem).Pfn;

        p.Madvise(mem, Thp, Advice.Collapse);
        var child = p.Fork();
        for (ulong i = 0; i < Pages; i++)
            p.WriteByte(mem + i * Page, 0xff);

        Assert.NotEqual(oldHead, child.PageMap(mem).Pfn); // a copy, not the old folio in place
        for (ulong i = 0; i < Pages; i++)
            Assert.Equal(1, child.ReadByte(mem + i * Page));
        machine.CheckInvariants();
    }

    [Fact]
    public void A_range_that_fork_write_protected_entirely_is_collapsed_into_a_copy_of_the_parents_own()
    {
        var (machine, p, mem) = WithBasePages();
        using var _ = machine;
        for (ulong i = 0; i < Pages; i++)
            p.WriteByte(mem + i * Page, 1);
        var child = p.Fork();
        long pfn = p.PageMap(mem).Pfn;

        p.Madvise(mem, Thp, Advice.Collapse); // 6.18 dropped SCAN_PAGE_RO: cow.c's "fully shared" case runs

        Assert.True(p.PageMap(mem).Thp && p.PageMap(mem).AnonExclusive);
        Assert.NotEqual(pfn, p.PageMap(mem).Pfn);
        Assert.Equal(pfn, child.PageMap(mem).Pfn);   // the child keeps the old pages
        p.WriteByte(mem, 2);
        Assert.Equal(1, child.ReadByte(mem));
        machine.CheckInvariants();
    }

    [Fact]
    public void A_pinned_page_makes_the_collapse_eagain_and_the_pin_keeps_its_page()
    {
        var (machine, p, mem) = WithBasePages();
        using var _ = machine;
        for (ulong i = 0; i < Pages; i++)
            p.WriteByte(mem + i * Page, 1);
        using var pin = p.PinUserPages(mem + 5 * Page, 1, GupFlags.Write | GupFlags.Longterm);

        Assert.Equal(Errno.EAGAIN, CollapseFails(p, mem).Errno); // SCAN_PAGE_COUNT

        Assert.Equal(pin.Pages[0].Pfn, p.PageMap(mem + 5 * Page).Pfn);
        pin.Write(0, 0, new byte[] { 7 });
        Assert.Equal(7, p.ReadByte(mem + 5 * Page));
        machine.CheckInvariants();
    }

    [Fact]
    public void Swapped_out_pages_are_swapped_in_and_collapsed()
    {
        var (machine, p, mem) = WithBasePages(swapBytes: 8L << 20);
        using var _ = machine;
        for (ulong i = 0; i < Pages; i++)
            p.WriteByte(mem + i * Page, (byte)i);
        p.Madvise(mem, 16 * Page, Advice.PageOut);
        Assert.True(p.PageMap(mem).Swapped);

        p.Madvise(mem, Thp, Advice.Collapse);

        Assert.True(p.PageMap(mem).Thp);
        for (ulong i = 0; i < Pages; i++)
            Assert.Equal((byte)i, p.ReadByte(mem + i * Page));
        Assert.Equal(0, machine.Stats.SwapUsedPages);
        machine.CheckInvariants();
    }

    [Fact]
    public void An_unpopulated_range_is_einval_and_a_range_without_an_aligned_thp_is_a_no_op()
    {
        var (machine, p, mem) = WithBasePages();
        using var _ = machine;

        Assert.Equal(Errno.EINVAL, CollapseFails(p, mem).Errno); // SCAN_PMD_NULL
        p.WriteByte(mem, 1);
        p.Madvise(mem, 16 * Page, Advice.Collapse);

        Assert.False(p.PageMap(mem).Thp);
        machine.CheckInvariants();
    }

    [Fact]
    public void Shared_and_nohugepage_areas_are_einval()
    {
        using var machine = new Machine(new MachineOptions { MemoryBytes = 32L << 20, Thp = ThpMode.Madvise });
        var p = machine.CreateProcess();
        ulong shared = p.Mmap(0, Thp, Prot.Read | Prot.Write, MapFlags.Shared | MapFlags.Anonymous);
        ulong noHuge = p.Mmap(0, Thp, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Anonymous);
        p.Madvise(noHuge, Thp, Advice.NoHugePage);

        Assert.Equal(Errno.EINVAL, CollapseFails(p, shared).Errno);
        Assert.Equal(Errno.EINVAL, CollapseFails(p, noHuge).Errno);
    }

    [Fact]
    public void A_failed_thp_allocation_is_enomem_and_leaks_nothing()
    {
        var machine = new Machine(new MachineOptions { MemoryBytes = 32L << 20, DebugVm = true });
        long freeAtStart = machine.Stats.FreePages;
        var p = machine.CreateProcess();
        ulong mem = p.Mmap(0, Thp, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Anonymous);
        for (ulong i = 0; i < Pages; i++)
            p.WriteByte(mem + i * Page, 1);
        machine.FailAllocations(0);

        Assert.Equal(Errno.ENOMEM, CollapseFails(p, mem).Errno);

        Assert.False(p.PageMap(mem).Thp);
        Assert.Equal(1, p.ReadByte(mem + 9 * Page));
        machine.AssertCleanAfterExit(freeAtStart);
    }

    [Fact]
    public void An_area_that_cannot_hold_an_aligned_2_MiB_is_einval()
    {
        var (machine, p, _) = WithBasePages();
        using var __ = machine;
        ulong small = p.Mmap(0, 2 * Page, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Anonymous);
        p.WriteByte(small, 1);

        Assert.Equal(Errno.EINVAL, Assert.Throws<MmException>(() => p.Madvise(small, 2 * Page, Advice.Collapse)).Errno);
    }

    [Fact]
    public void A_range_inside_one_unaligned_2_MiB_is_einval_and_one_covering_no_aligned_2_MiB_from_a_boundary_succeeds()
    {
        var (machine, p, mem) = WithBasePages();
        using var _ = machine;
        p.WriteByte(mem, 1);

        // madvise_collapse(): hstart rounds up past hend, so the count of wanted THPs wraps
        Assert.Equal(Errno.EINVAL, Assert.Throws<MmException>(() => p.Madvise(mem + Page, 2 * Page, Advice.Collapse)).Errno);
        // hstart == hend: no THP wanted, none made, success
        p.Madvise(mem, 2 * Page, Advice.Collapse);
        Assert.False(p.PageMap(mem).Thp);
    }
}
