using MmSim.Tests.Vm;
using Xunit;
using static MmSim.Tests.Vm.TestMachine;
using static MmSim.Tests.Hugetlb.HugetlbMachine;

namespace MmSim.Tests.Hugetlb;

/// <summary>The hugetlb pool, reservations, faults, COW by mapcount, fork of pinned pages, and the errnos.</summary>
public class HugetlbTests
{
    [Fact]
    public void The_pool_is_set_aside_and_counted_like_HugePages()
    {
        using var machine = WithPool(3);
        var stats = machine.Stats;

        Assert.Equal(3 * 512, stats.HugetlbTotalPages);
        Assert.Equal(3 * 512, stats.HugetlbFreePages);
        Assert.True(stats.FreePages < 8192 - 3 * 512);
        machine.CheckInvariants();
    }

    [Fact]
    public void A_private_mapping_reserves_its_pages_and_a_fault_takes_one()
    {
        using var machine = WithPool(2);
        var p = machine.CreateProcess();

        ulong mem = p.Mmap(0, Huge, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Anonymous | MapFlags.HugeTlb);
        Assert.Equal(0UL, mem % Huge);
        Assert.Equal(Errno.ENOMEM, Assert.Throws<MmException>(() => p.Mmap(0, 2 * Huge, Prot.Read, MapFlags.Private | MapFlags.Anonymous | MapFlags.HugeTlb)).Errno);
        p.WriteByte(mem + 4096 * 3, 7);

        var entry = p.PageMap(mem + 4096 * 3);
        Assert.True(entry.Hugetlb && entry.Anon && entry.AnonExclusive && !entry.Thp);
        Assert.Equal(512, machine.Stats.HugetlbFreePages);
        Assert.Equal(0, machine.Stats.AnonPages); // hugetlb is not counted as AnonPages
        machine.CheckInvariants();
        p.Munmap(mem, Huge);
        Assert.Equal(1024, machine.Stats.HugetlbFreePages);
        machine.CheckInvariants();
    }

    [Fact]
    public void Munmap_or_mprotect_inside_a_hugetlb_page_is_EINVAL()
    {
        using var machine = WithPool(1);
        var p = machine.CreateProcess();
        ulong mem = p.Mmap(0, Huge, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Anonymous | MapFlags.HugeTlb);

        Assert.Equal(Errno.EINVAL, Assert.Throws<MmException>(() => p.Munmap(mem + 4096, 4096)).Errno);
        Assert.Equal(Errno.EINVAL, Assert.Throws<MmException>(() => p.Mprotect(mem, 4096, Prot.Read)).Errno);
        Assert.Equal(Errno.EINVAL, Assert.Throws<MmException>(() => p.Mremap(mem, Huge, 2 * Huge, MremapFlags.MayMove)).Errno);
        p.WriteByte(mem, 1);
        machine.CheckInvariants();
    }

    [Fact]
    public void Without_a_pool_map_hugetlb_is_ENOMEM_and_1_GiB_pages_are_EINVAL()
    {
        using var machine = Create();
        var p = machine.CreateProcess();

        Assert.Equal(Errno.ENOMEM, Assert.Throws<MmException>(() => p.Mmap(0, Huge, Prot.Read, MapFlags.Private | MapFlags.Anonymous | MapFlags.HugeTlb)).Errno);
        Assert.Equal(Errno.ENOMEM, Assert.Throws<MmException>(() => machine.CreateMemfd("h", (long)Huge, hugetlb: true)).Errno);
        Assert.Equal(Errno.EINVAL, Assert.Throws<MmException>(() => p.Mmap(0, 1UL << 30, Prot.Read, MapFlags.Private | MapFlags.Anonymous | MapFlags.HugeTlb1G)).Errno);
    }

    [Fact]
    public void Madvise_on_hugetlb_memory_answers_as_the_kernel_does()
    {
        // measured on this machine's 6.18 kernel: the LRU advice, collapse and wipe-on-fork refuse a hugetlb area
        using var machine = WithPool(1);
        var p = machine.CreateProcess();
        ulong a = p.Mmap(0, Huge, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Anonymous | MapFlags.HugeTlb);
        p.WriteByte(a, 1);

        foreach (var advice in new[] { Advice.PageOut, Advice.Cold, Advice.Collapse, Advice.WipeOnFork })
            Assert.Equal(Errno.EINVAL, Assert.Throws<MmException>(() => p.Madvise(a, Huge, advice)).Errno);
        foreach (var advice in new[] { Advice.Mergeable, Advice.HugePage, Advice.DontFork, Advice.PopulateRead, Advice.PopulateWrite, Advice.Unmergeable, Advice.NoHugePage })
            p.Madvise(a, Huge, advice);
        Assert.Equal(1, p.ReadByte(a));
        machine.CheckInvariants();
    }

    [Fact]
    public void Fork_shares_and_a_write_copies_unless_mapped_once()
    {
        using var machine = WithPool(3);
        var parent = machine.CreateProcess();
        ulong mem = parent.Mmap(0, Huge, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Anonymous | MapFlags.HugeTlb);
        parent.WriteByte(mem, 1);
        var child = parent.Fork();
        Assert.Equal(parent.PageMap(mem).Pfn, child.PageMap(mem).Pfn);
        Assert.False(parent.PageMap(mem).AnonExclusive);

        child.WriteByte(mem, 2);

        Assert.NotEqual(parent.PageMap(mem).Pfn, child.PageMap(mem).Pfn);
        Assert.Equal(1, parent.ReadByte(mem));
        parent.WriteByte(mem, 3); // mapped once now: reused, made exclusive
        Assert.True(parent.PageMap(mem).AnonExclusive);
        machine.CheckInvariants();
    }

    [Fact]
    public void A_pinned_hugetlb_page_is_copied_for_the_child_at_fork()
    {
        using var machine = WithPool(3);
        var parent = machine.CreateProcess();
        ulong mem = parent.Mmap(0, Huge, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Anonymous | MapFlags.HugeTlb);
        parent.WriteByte(mem + 4096, 1);
        using var pin = parent.PinUserPages(mem + 4096, 1, GupFlags.Write | GupFlags.Longterm);

        var child = parent.Fork();

        Assert.NotEqual(parent.PageMap(mem).Pfn, child.PageMap(mem).Pfn);
        Assert.True(parent.PageMap(mem).AnonExclusive && child.PageMap(mem).AnonExclusive);
        Assert.Equal(1, child.ReadByte(mem + 4096));
        machine.CheckInvariants();
        child.Exit();
        pin.Release();
        parent.Exit();
        Assert.Equal(3 * 512, machine.Stats.HugetlbFreePages);
        machine.CheckInvariants();
    }
}
