using MmSim.Tests.Vm;
using Xunit;
using static MmSim.Tests.Hugetlb.HugetlbMachine;

namespace MmSim.Tests.Hugetlb;

/// <summary>
/// MAP_SHARED | MAP_ANONYMOUS | MAP_HUGETLB: an unlinked hugetlbfs file behind the area (hugetlb_file_setup), its
/// pages reserved at mmap time, faulted in on first touch and shared with every process that inherits the area.
/// </summary>
public class SharedAnonHugetlbTests
{
    private const MapFlags SharedHuge = MapFlags.Shared | MapFlags.Anonymous | MapFlags.HugeTlb;

    [Fact]
    public void Parent_and_child_share_the_pages_both_ways()
    {
        using var machine = WithPool(2);
        var parent = machine.CreateProcess();
        ulong a = parent.Mmap(0, 2 * Huge, Prot.Read | Prot.Write, SharedHuge);
        Assert.Equal(0UL, a % Huge);
        parent.WriteByte(a, 1);
        var child = parent.Fork();

        child.WriteByte(a + Huge + Page, 2); // the second page comes at the child's fault, from the reservation
        parent.WriteByte(a + 7, 3);

        Assert.Equal(2, parent.ReadByte(a + Huge + Page));
        Assert.Equal(3, child.ReadByte(a + 7));
        Assert.Equal(parent.PageMap(a).Pfn, child.PageMap(a).Pfn);
        Assert.True(parent.PageMap(a) is { Hugetlb: true, Anon: false });
        Assert.Equal(0, machine.Stats.HugetlbFreePages);
        machine.CheckInvariants();
        child.Exit();
        parent.Munmap(a, 2 * Huge); // the last area: the file goes, its pages back to the pool
        Assert.Equal(2 * 512, machine.Stats.HugetlbFreePages);
        machine.CheckInvariants();
    }

    [Fact]
    public void The_pages_are_reserved_at_mmap_and_given_back_with_the_file()
    {
        using var machine = WithPool(2);
        var p = machine.CreateProcess();

        Assert.Equal(Errno.ENOMEM, Assert.Throws<MmException>(() => p.Mmap(0, 3 * Huge, Prot.Read | Prot.Write, SharedHuge)).Errno);
        ulong a = p.Mmap(0, 2 * Huge, Prot.Read | Prot.Write, SharedHuge); // the failed mmap reserved nothing

        Assert.Equal(Errno.ENOMEM, Assert.Throws<MmException>(() => p.Mmap(0, Huge, Prot.Read | Prot.Write, AnonHuge)).Errno); // both pages reserved, none faulted
        p.Munmap(a, 2 * Huge);
        ulong b = p.Mmap(0, 2 * Huge, Prot.Read | Prot.Write, AnonHuge);
        p.WriteByte(b + Huge, 1);
        machine.CheckInvariants();
    }

    [Fact]
    public void A_shared_1_GiB_area_works_the_same()
    {
        using var machine = WithGiganticPool(1);
        long free = machine.Stats.FreePages;
        var p = machine.CreateProcess();
        ulong a = p.Mmap(0, Gig, Prot.Read | Prot.Write, SharedHuge | MapFlags.HugeTlb1G);
        var child = p.Fork();

        child.WriteByte(a + Gig - 1, 4);

        Assert.Equal(4, p.ReadByte(a + Gig - 1));
        Assert.Equal(p.PageMap(a).Pfn, child.PageMap(a).Pfn);
        machine.CheckInvariants();
        child.Exit();
        p.Exit();
        Assert.Equal(GigPages, machine.Stats.HugetlbFreePages);
        machine.AssertCleanAfterExit(free);
    }
}
