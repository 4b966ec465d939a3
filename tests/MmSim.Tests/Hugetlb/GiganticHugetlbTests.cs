using MmSim.Tests.Vm;
using Xunit;
using static MmSim.Tests.Hugetlb.HugetlbMachine;

namespace MmSim.Tests.Hugetlb;

/// <summary>
/// 1 GiB hugetlb pages (hugepagesz=1G): set aside at boot from aligned contiguous RAM beyond the buddy allocator's
/// largest block, mapped by a PUD, and handled by every page-table walker: fault, COW, fork, GUP and GUP-fast,
/// pagemap, mprotect, munmap, MADV_DONTNEED and the invariant checker.
/// </summary>
public class GiganticHugetlbTests
{
    [Fact]
    public void The_pool_takes_aligned_contiguous_gigabytes_from_the_top_at_boot()
    {
        using var machine = WithGiganticPool(2, hugeBytes: 4L << 20);
        var p = machine.CreateProcess();

        Assert.Equal(2 * GigPages + 2 * 512, machine.Stats.HugetlbTotalPages);
        Assert.Equal(machine.Physical.TotalPages - 2 * GigPages - 2 * 512, machine.Stats.FreePages + 1 + p.PageTablePages); // the zero page and the PGD
        ulong mem = p.Mmap(0, Gig, Prot.Read | Prot.Write, AnonGig);
        p.WriteByte(mem, 1);
        long pfn = p.PageMap(mem).Pfn;
        Assert.True(pfn is GigPages or 2 * GigPages, $"pfn 0x{pfn:x}"); // aligned, above the lowest GiB
        machine.CheckInvariants();
    }

    [Fact]
    public void Without_a_1_GiB_hstate_MAP_HUGE_1GB_is_EINVAL_and_a_pool_larger_than_RAM_is_ENOMEM()
    {
        using var machine = new Machine(new MachineOptions { MemoryBytes = 64L << 20, HugetlbPoolBytes = [4L << 20] });
        var p = machine.CreateProcess();

        Assert.Equal(Errno.EINVAL, Assert.Throws<MmException>(() => p.Mmap(0, Gig, Prot.Read, AnonGig)).Errno);
        Assert.Equal(Errno.EINVAL, Assert.Throws<MmException>(() => machine.CreateMemfd("g", (long)Gig, hugetlb1G: true)).Errno);
        // the lowest GiB holds the zero page: 1 GiB of RAM has no free aligned GiB
        Assert.Equal(Errno.ENOMEM, Assert.Throws<MmException>(() => new Machine(new MachineOptions { MemoryBytes = (long)Gig, HugetlbPoolBytes = [0, (long)Gig] })).Errno);
        Assert.Equal(Errno.EINVAL, Assert.Throws<MmException>(() => new Machine(new MachineOptions { HugetlbPoolBytes = [0, 0, 0] })).Errno);
    }

    [Fact]
    public void A_fault_maps_the_whole_gigabyte_with_one_PUD_and_munmap_gives_it_back()
    {
        using var machine = WithGiganticPool(1);
        var p = machine.CreateProcess();
        int tablesBefore = p.PageTablePages;

        ulong mem = p.Mmap(0, Page, Prot.Read | Prot.Write, AnonGig); // rounded up to one huge page
        Assert.Equal(0UL, mem % Gig);
        p.WriteByte(mem + Gig - 1, 7);
        p.WriteByte(mem + 5 * Page, 5);

        var first = p.PageMap(mem);
        var inside = p.PageMap(mem + 5 * Page);
        Assert.True(inside.Hugetlb && inside.Anon && inside.AnonExclusive && !inside.Thp && inside.ExclusivelyMapped);
        Assert.Equal(first.Pfn + 5, inside.Pfn);
        Assert.Equal(first.Pfn + GigPages - 1, p.PageMap(mem + Gig - 1).Pfn);
        Assert.Equal(tablesBefore + 1, p.PageTablePages); // a PUD table, no PMD or PTE table
        Assert.Equal(0, machine.Stats.HugetlbFreePages);
        Assert.Equal(Errno.ENOMEM, Assert.Throws<MmException>(() => p.Mmap(0, Gig, Prot.Read, AnonGig)).Errno); // nothing left to reserve
        machine.CheckInvariants();

        Assert.Equal(Errno.EINVAL, Assert.Throws<MmException>(() => p.Munmap(mem + 2 * Huge, Huge)).Errno);
        p.Munmap(mem, Gig);
        Assert.Equal(GigPages, machine.Stats.HugetlbFreePages);
        Assert.False(p.PageMap(mem).Present);
        machine.CheckInvariants();
    }

    [Fact]
    public void Fork_shares_the_page_and_a_write_copies_it_unless_mapped_once()
    {
        using var machine = WithGiganticPool(2);
        var parent = machine.CreateProcess();
        ulong mem = parent.Mmap(0, Gig, Prot.Read | Prot.Write, AnonGig);
        parent.WriteByte(mem + 3 * Page, 1);
        var child = parent.Fork();
        Assert.Equal(parent.PageMap(mem).Pfn, child.PageMap(mem).Pfn);
        Assert.False(parent.PageMap(mem).AnonExclusive);
        machine.CheckInvariants();

        child.WriteByte(mem + 3 * Page, 2); // hugetlb_wp(): mapped twice, so copied

        Assert.NotEqual(parent.PageMap(mem).Pfn, child.PageMap(mem).Pfn);
        Assert.Equal(1, parent.ReadByte(mem + 3 * Page));
        Assert.Equal(2, child.ReadByte(mem + 3 * Page));
        Assert.True(child.PageMap(mem).AnonExclusive);
        parent.WriteByte(mem, 3); // mapped once now: reused, made exclusive
        Assert.True(parent.PageMap(mem).AnonExclusive);
        machine.CheckInvariants();
        child.Exit();
        parent.Exit();
        Assert.Equal(2 * GigPages, machine.Stats.HugetlbFreePages);
        machine.CheckInvariants();
    }

    [Fact]
    public void A_pinned_page_is_copied_for_the_child_at_fork_and_a_RO_pin_of_a_shared_page_unshares()
    {
        using var machine = WithGiganticPool(3);
        var parent = machine.CreateProcess();
        ulong mem = parent.Mmap(0, Gig, Prot.Read | Prot.Write, AnonGig);
        parent.WriteByte(mem + Page, 1);
        var pin = parent.PinUserPages(mem + Page, 2, GupFlags.Write | GupFlags.Longterm);

        var child = parent.Fork(); // copy_hugetlb_page_range(): a maybe-pinned page is copied at once

        Assert.NotEqual(parent.PageMap(mem).Pfn, child.PageMap(mem).Pfn);
        Assert.True(parent.PageMap(mem).AnonExclusive && child.PageMap(mem).AnonExclusive);
        Assert.Equal(1, child.ReadByte(mem + Page));
        pin.Release();

        var grandchild = child.Fork(); // not pinned: shared R/O
        Assert.Equal(child.PageMap(mem).Pfn, grandchild.PageMap(mem).Pfn);
        using var ro = grandchild.PinUserPages(mem, 2, GupFlags.Longterm); // FAULT_FLAG_UNSHARE: copied, exclusive, still R/O

        Assert.NotEqual(child.PageMap(mem).Pfn, grandchild.PageMap(mem).Pfn);
        Assert.True(grandchild.PageMap(mem).AnonExclusive);
        child.WriteByte(mem + Page, 9);
        var seen = new byte[1];
        ro.Read(1, 0, seen);
        Assert.Equal(1, seen[0]); // the pin keeps seeing the grandchild's page, not the child's new data
        Assert.Equal(0, machine.Stats.HugetlbFreePages);
        machine.CheckInvariants();
    }

    [Fact]
    public void GUP_fast_pins_pages_of_a_huge_PUD_and_counts_them_per_4_KiB_page()
    {
        using var machine = WithGiganticPool(1);
        var p = machine.CreateProcess();
        ulong mem = p.Mmap(0, Gig, Prot.Read | Prot.Write, AnonGig);
        ulong at = mem + 512 * Page - 2 * Page; // across a 2 MiB boundary inside the page
        p.WriteByte(at, 4);

        using var pin = p.PinUserPages(at, 4, GupFlags.Write | GupFlags.Fast);

        Assert.Equal(4, machine.Stats.PinnedPages);
        Assert.True(p.PageMap(at + 3 * Page).MaybePinned);
        pin.Write(3, 0, new byte[] { 6 });
        Assert.Equal(6, p.ReadByte(at + 3 * Page));
        var seen = new byte[1];
        pin.Read(0, 0, seen);
        Assert.Equal(4, seen[0]);
        machine.CheckInvariants();
        pin.Release();
        Assert.Equal(0, machine.Stats.PinnedPages);
    }

    [Fact]
    public void GUP_fast_takes_the_pages_of_a_huge_PUD_without_the_slow_path()
    {
        using var machine = WithGiganticPool(1);
        var p = machine.CreateProcess();
        ulong mem = p.Mmap(0, Gig, Prot.Read | Prot.Write, AnonGig);
        p.WriteByte(mem, 1);
        ulong at = mem + Gig - 3 * Page;
        var pages = new MmSim.PageFlags.Page[3];

        int got = MmSim.Gup.GetUserPagesEngine.LocklessPages(p.Mm, at, pages, GupFlags.Write | GupFlags.Fast, pin: true, GupGrab.Pin);

        Assert.Equal(3, got); // gup_fast_pud_leaf(): none left to the slow path
        Assert.Equal(p.PageMap(at).Pfn, pages[0].Pfn);
        Assert.Equal(p.PageMap(mem).Pfn + GigPages - 1, pages[2].Pfn);
        Assert.Equal(3, pages[0].Folio.Pincount);
        foreach (var page in pages)
            GupGrab.Pin.Release(page, tracksExclusivity: true);
        Assert.Equal(0, pages[0].Folio.Pincount);
        machine.CheckInvariants();
    }

    [Fact]
    public void Mprotect_and_MADV_DONTNEED_work_on_whole_gigabytes()
    {
        using var machine = WithGiganticPool(1);
        var p = machine.CreateProcess();
        ulong mem = p.Mmap(0, Gig, Prot.Read | Prot.Write, AnonGig);
        p.WriteByte(mem + 100 * Page, 1);

        Assert.Equal(Errno.EINVAL, Assert.Throws<MmException>(() => p.Mprotect(mem, Huge, Prot.Read)).Errno);
        p.Mprotect(mem, Gig, Prot.Read);
        var fault = Assert.Throws<SegmentationFaultException>(() => p.WriteByte(mem + 100 * Page, 2));
        Assert.True(fault.IsWrite);
        Assert.Equal(1, p.ReadByte(mem + 100 * Page));
        p.Mprotect(mem, Gig, Prot.Read | Prot.Write);
        Assert.True(p.Mm.PageTable.TryGetLeaf(mem, out var pud, out int shift));
        Assert.Equal(30, shift);
        Assert.False(p.Mm.PageTable.Read(pud).IsWrite); // hugetlb_change_protection(): R/O in a private mapping until a write fault
        long pfn = p.PageMap(mem).Pfn;
        p.WriteByte(mem + 100 * Page, 2); // mapped once: hugetlb_wp() reuses it
        Assert.Equal(pfn, p.PageMap(mem).Pfn);
        Assert.True(p.Mm.PageTable.Read(pud).IsWrite);
        Assert.Equal(2, p.ReadByte(mem + 100 * Page));
        machine.CheckInvariants();

        Assert.Equal(Errno.EINVAL, Assert.Throws<MmException>(() => p.Madvise(mem + Page, Page, Advice.DontNeed)).Errno);
        p.Madvise(mem, Gig - Page, Advice.DontNeed); // the end is rounded down: nothing whole to drop
        Assert.Equal(2, p.ReadByte(mem + 100 * Page));
        p.Madvise(mem, Gig, Advice.DontNeed);
        Assert.False(p.PageMap(mem + 100 * Page).Present);
        Assert.Equal(GigPages, machine.Stats.HugetlbFreePages);
        Assert.Equal(0, p.ReadByte(mem + 100 * Page)); // a new, zeroed page
        machine.CheckInvariants();
    }

    [Fact]
    public void A_1_GiB_hugetlb_memfd_is_shared_between_its_mappings()
    {
        using var machine = WithGiganticPool(1);
        var file = machine.CreateMemfd("gig", (long)Gig, hugetlb1G: true);
        Assert.Equal(Errno.EINVAL, Assert.Throws<MmException>(() => machine.CreateMemfd("odd", 3L << 20, hugetlb1G: true)).Errno);
        var p = machine.CreateProcess();
        ulong a = p.Mmap(0, Gig, Prot.Read | Prot.Write, MapFlags.Shared, file);
        ulong b = p.Mmap(0, Gig, Prot.Read, MapFlags.Shared, file);
        Assert.Equal(0UL, a % Gig);

        p.WriteByte(a + 12345, 42);

        Assert.Equal(42, p.ReadByte(b + 12345));
        Assert.Equal(p.PageMap(a).Pfn, p.PageMap(b).Pfn);
        p.Mprotect(a, Gig, Prot.Read);
        p.Mprotect(a, Gig, Prot.Read | Prot.Write);
        Assert.True(p.Mm.PageTable.TryGetLeaf(a, out var pud, out _) && p.Mm.PageTable.Read(pud).IsWrite); // a shared writable area's vm_page_prot
        Assert.True(p.PageMap(b).Hugetlb && !p.PageMap(b).Anon);
        Assert.Equal(Errno.EINVAL, Assert.Throws<MmException>(() => p.Mmap(0, Gig, Prot.Read, MapFlags.Shared, file, offset: 2UL << 20)).Errno);
        machine.CheckInvariants();
        p.Exit();
        machine.CheckInvariants();
    }

    [Fact]
    public void A_process_with_1_GiB_pages_exits_clean()
    {
        using var machine = WithGiganticPool(1, hugeBytes: 4L << 20);
        long free = machine.Stats.FreePages;
        var p = machine.CreateProcess();
        ulong gig = p.Mmap(0, Gig, Prot.Read | Prot.Write, AnonGig);
        ulong two = p.Mmap(0, Huge, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Anonymous | MapFlags.HugeTlb);
        p.WriteByte(gig, 1);
        p.WriteByte(two, 2);
        var child = p.Fork();
        child.WriteByte(two, 3);

        child.Exit();
        p.Exit();

        Assert.Equal(GigPages + 2 * 512, machine.Stats.HugetlbFreePages);
        machine.AssertCleanAfterExit(free);
    }
}
