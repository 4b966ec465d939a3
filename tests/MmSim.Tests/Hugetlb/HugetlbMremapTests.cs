using MmSim.Tests.Vm;
using Xunit;
using static MmSim.Tests.Hugetlb.HugetlbMachine;

namespace MmSim.Tests.Hugetlb;

/// <summary>
/// mremap() of hugetlb memory as 5.16 and later allow it ("mm: hugetlb: add mremap support for hugetlb backed vma"):
/// huge-aligned moves and shrinks keep the pages, their exclusivity and the area's reservations; growth, unaligned
/// addresses and MREMAP_DONTUNMAP are EINVAL.
/// </summary>
public class HugetlbMremapTests
{
    [Fact]
    public void A_move_keeps_the_pages_and_the_reservation_of_the_pages_not_yet_faulted()
    {
        using var machine = WithPool(2);
        var p = machine.CreateProcess();
        ulong mem = p.Mmap(0, 2 * Huge, Prot.Read | Prot.Write, AnonHuge); // reserves both pages
        p.WriteByte(mem + 5 * Page, 7);
        long pfn = p.PageMap(mem).Pfn;
        ulong target = p.Mmap(0, 4 * Huge, Prot.None, MapFlags.Private | MapFlags.Anonymous);
        target = (target + Huge - 1) & ~(Huge - 1);

        ulong moved = p.Mremap(mem, 2 * Huge, 2 * Huge, MremapFlags.MayMove | MremapFlags.Fixed, target);

        Assert.Equal(target, moved);
        Assert.False(p.PageMap(mem).Present);
        Assert.Throws<SegmentationFaultException>(() => p.ReadByte(mem));
        Assert.Equal(7, p.ReadByte(moved + 5 * Page));
        Assert.True(p.PageMap(moved) is { Hugetlb: true, AnonExclusive: true });
        Assert.Equal(pfn, p.PageMap(moved).Pfn);
        p.WriteByte(moved + Huge, 8); // the second page's reservation moved with the area: the fault gets the pool's last page
        Assert.Equal(0, machine.Stats.HugetlbFreePages);
        machine.CheckInvariants();
        p.Munmap(moved, 2 * Huge);
        Assert.Equal(2 * 512, machine.Stats.HugetlbFreePages);
        machine.CheckInvariants();
    }

    [Fact]
    public void A_shrink_unmaps_the_tail_and_gives_back_its_reservation()
    {
        using var machine = WithPool(2);
        var p = machine.CreateProcess();
        ulong mem = p.Mmap(0, 2 * Huge, Prot.Read | Prot.Write, AnonHuge);
        p.WriteByte(mem, 1);

        Assert.Equal(mem, p.Mremap(mem, 2 * Huge, Huge - Page, MremapFlags.None)); // rounded up to one huge page: shrinks by one

        Assert.False(p.PageMap(mem + Huge).Present);
        Assert.Throws<SegmentationFaultException>(() => p.ReadByte(mem + Huge));
        ulong other = p.Mmap(0, Huge, Prot.Read | Prot.Write, AnonHuge); // the tail's reservation is free again
        p.WriteByte(other, 2);
        Assert.Equal(1, p.ReadByte(mem));
        machine.CheckInvariants();
    }

    [Fact]
    public void Growth_unaligned_addresses_and_dontunmap_are_EINVAL()
    {
        using var machine = WithPool(2);
        var p = machine.CreateProcess();
        ulong mem = p.Mmap(0, Huge, Prot.Read | Prot.Write, AnonHuge);
        p.WriteByte(mem, 1);
        ulong target = (p.Mmap(0, 4 * Huge, Prot.None, MapFlags.Private | MapFlags.Anonymous) + Huge - 1) & ~(Huge - 1);

        Assert.Equal(Errno.EINVAL, Assert.Throws<MmException>(() => p.Mremap(mem, Huge, 2 * Huge, MremapFlags.MayMove)).Errno);
        Assert.Equal(Errno.EINVAL, Assert.Throws<MmException>(() => p.Mremap(mem, Huge, Huge, MremapFlags.MayMove | MremapFlags.Fixed, target + Page)).Errno);
        Assert.Equal(Errno.EINVAL, Assert.Throws<MmException>(() => p.Mremap(mem + Page, Page, Page, MremapFlags.MayMove | MremapFlags.Fixed, target)).Errno);
        Assert.Equal(Errno.EINVAL, Assert.Throws<MmException>(() => p.Mremap(mem, Huge, Huge, MremapFlags.MayMove | MremapFlags.DontUnmap, target)).Errno);
        Assert.Equal(1, p.ReadByte(mem));
        machine.CheckInvariants();
    }

    [Fact]
    public void A_1_GiB_page_moves_with_its_PUD()
    {
        using var machine = WithGiganticPool(1);
        var p = machine.CreateProcess();
        ulong mem = p.Mmap(0, Gig, Prot.Read | Prot.Write, AnonHuge | MapFlags.HugeTlb1G);
        p.WriteByte(mem + Gig - 1, 9);
        var child = p.Fork();

        ulong moved = p.Mremap(mem, Gig, Gig, MremapFlags.MayMove | MremapFlags.Fixed, mem + 4 * Gig);

        Assert.Equal(9, p.ReadByte(moved + Gig - 1));
        Assert.Equal(child.PageMap(mem).Pfn, p.PageMap(moved).Pfn); // still shared with the child, found through the rmap at its new place
        machine.CheckInvariants();
        child.Exit();
        p.WriteByte(moved, 1); // mapped once now: hugetlb_wp() reuses it where it moved
        Assert.True(p.PageMap(moved).AnonExclusive);
        machine.CheckInvariants();
    }
}
