using MmSim.Tests.Vm;
using Xunit;
using static MmSim.Tests.Hugetlb.HugetlbMachine;

namespace MmSim.Tests.Hugetlb;

/// <summary>
/// MADV_HWPOISON on hugetlb memory (try_memory_failure_hugetlb): the whole huge page leaves its pool, every entry
/// that mapped it becomes an hwpoison entry of its size, accesses get SIGBUS and GUP EHWPOISON, and fork copies
/// the entries as they are ("mm/hugetlb: separate path for hwpoison entry in copy_hugetlb_page_range()").
/// </summary>
public class HugetlbMemoryFailureTests
{
    [Fact]
    public void A_poisoned_hugetlb_page_is_unmapped_whole_and_leaves_the_pool()
    {
        using var machine = WithPool(2);
        var p = machine.CreateProcess();
        ulong a = p.Mmap(0, Huge, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Anonymous | MapFlags.HugeTlb);
        p.WriteByte(a, 1);
        long head = p.PageMap(a).Pfn;

        p.Madvise(a + 3 * Page, Page, Advice.HwPoison);

        Assert.False(p.PageMap(a).Present);
        Assert.False(p.PageMap(a + Huge - Page).Present); // the whole huge page, not just the bad subpage
        var bus = Assert.Throws<BusErrorException>(() => p.ReadByte(a + 5 * Page));
        Assert.Equal(Errno.EHWPOISON, bus.Errno);
        Assert.Equal(Errno.EHWPOISON, Assert.Throws<MmException>(() => p.PinUserPages(a, 1, GupFlags.None)).Errno);
        Assert.True(machine.Physical.PfnToPage(head + 3).Test(MmSim.PageFlags.PG.HwPoison));
        Assert.Equal(512, machine.Stats.HugetlbTotalPages); // HugePages_Total: one page less
        Assert.Equal(512, machine.Stats.HugetlbFreePages);
        machine.CheckInvariants();

        p.Madvise(a + 7 * Page, Page, Advice.HwPoison); // nothing mapped there any more
        p.Munmap(a, Huge);
        ulong b = p.Mmap(0, Huge, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Anonymous | MapFlags.HugeTlb);
        p.WriteByte(b, 2); // the healthy page of the pool
        Assert.NotEqual(head, p.PageMap(b).Pfn);
        machine.CheckInvariants();
    }

    [Fact]
    public void Fork_copies_hugetlb_hwpoison_entries_as_they_are()
    {
        using var machine = WithPool(2);
        var parent = machine.CreateProcess();
        ulong a = parent.Mmap(0, Huge, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Anonymous | MapFlags.HugeTlb);
        parent.WriteByte(a, 1);
        parent.Madvise(a, Page, Advice.HwPoison);

        var child = parent.Fork();

        Assert.Equal(Errno.EHWPOISON, Assert.Throws<BusErrorException>(() => child.WriteByte(a, 2)).Errno);
        parent.Mprotect(a, Huge, Prot.Read); // mprotect leaves the entry alone
        Assert.Equal(Errno.EHWPOISON, Assert.Throws<BusErrorException>(() => parent.ReadByte(a)).Errno);
        machine.CheckInvariants();
        child.Exit();
        parent.Exit();
        machine.CheckInvariants();
        Assert.Equal(512, machine.Stats.HugetlbFreePages);
    }

    [Fact]
    public void A_mapping_shared_with_a_child_and_pinned_is_unmapped_everywhere_but_busy()
    {
        using var machine = WithPool(2);
        var parent = machine.CreateProcess();
        ulong a = parent.Mmap(0, Huge, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Anonymous | MapFlags.HugeTlb);
        parent.WriteByte(a, 1);
        var child = parent.Fork(); // both map the page R/O
        using var pipe = child.GetUserPages(a, 1, GupFlags.None);

        var error = Assert.Throws<MmException>(() => parent.Madvise(a, Page, Advice.HwPoison));

        Assert.Equal(Errno.EBUSY, error.Errno); // me_huge_page(): the pipe's extra reference
        Assert.False(parent.PageMap(a).Present);
        Assert.False(child.PageMap(a).Present); // the rmap walk found the child's entry too
        Assert.Throws<BusErrorException>(() => child.ReadByte(a));
        machine.CheckInvariants();
        pipe.Release();
        machine.CheckInvariants();
    }

    [Fact]
    public void A_hugetlbfs_page_is_only_marked_and_stays_mapped()
    {
        using var machine = WithPool(1);
        var file = machine.CreateMemfd("h", (long)Huge, hugetlb: true);
        var p = machine.CreateProcess();
        ulong a = p.Mmap(0, Huge, Prot.Read | Prot.Write, MapFlags.Shared, file);
        p.WriteByte(a, 1);

        Assert.Equal(Errno.EHWPOISON, Assert.Throws<MmException>(() => p.Madvise(a + Page, Page, Advice.HwPoison)).Errno);

        Assert.True(p.PageMap(a).Present); // no file rmap here to find the mappings with
        Assert.True(machine.Physical.PfnToPage(p.PageMap(a + Page).Pfn).Test(MmSim.PageFlags.PG.HwPoison));
        machine.CheckInvariants();
    }

    [Fact]
    public void A_poisoned_1_GiB_page_leaves_a_PUD_hwpoison_entry()
    {
        using var machine = WithGiganticPool(1);
        long free = machine.Stats.FreePages;
        var p = machine.CreateProcess();
        ulong a = p.Mmap(0, Gig, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Anonymous | MapFlags.HugeTlb | MapFlags.HugeTlb1G);
        p.WriteByte(a + Gig - Page, 1);

        p.Madvise(a + Gig - Page, Page, Advice.HwPoison);

        Assert.True(p.Mm.PageTable.TryGetLeaf(a, out var slot, out int shift));
        Assert.Equal(30, shift);
        Assert.Equal(MmSim.PageTables.PteKind.HwPoison, p.Mm.PageTable.Read(slot).Kind);
        Assert.Equal(Errno.EHWPOISON, Assert.Throws<BusErrorException>(() => p.ReadByte(a)).Errno);
        Assert.Equal(0, machine.Stats.HugetlbTotalPages);
        var child = p.Fork();
        Assert.Throws<BusErrorException>(() => child.ReadByte(a + Page));
        machine.CheckInvariants();
        child.Exit();
        p.Exit();
        machine.CheckInvariants();
        Assert.Equal(free, machine.Stats.FreePages); // every table back; the poisoned GiB stays with memory failure
    }
}
