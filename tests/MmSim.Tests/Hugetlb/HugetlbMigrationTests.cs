using MmSim.Tests.Vm;
using Xunit;
using static MmSim.Tests.Hugetlb.HugetlbMachine;

namespace MmSim.Tests.Hugetlb;

/// <summary>
/// move_pages() of hugetlb pages (unmap_and_move_huge_page): huge migration entries carry the head's exclusivity,
/// every mapping is found again through the rmap, the copy comes from a free unreserved page of the pool, and a
/// pinned page stays.
/// </summary>
public class HugetlbMigrationTests
{
    [Fact]
    public void A_hugetlb_page_moves_whole_to_a_free_page_of_its_pool_and_stays_exclusive()
    {
        using var machine = WithPool(2);
        var p = machine.CreateProcess();
        ulong a = p.Mmap(0, Huge, Prot.Read | Prot.Write, AnonHuge);
        p.WriteByte(a + 9 * Page, 9);
        long before = p.PageMap(a).Pfn;

        var status = p.MovePages(a, 512);

        Assert.All(status, s => Assert.Equal(0, s)); // the first page moves the whole huge page, the rest find it moved
        Assert.NotEqual(before, p.PageMap(a).Pfn);
        Assert.True(p.PageMap(a + 9 * Page) is { Hugetlb: true, AnonExclusive: true });
        Assert.Equal(9, p.ReadByte(a + 9 * Page));
        Assert.Equal(512, machine.Stats.HugetlbFreePages); // the old page is back in the pool
        Assert.True(p.Mm.PageTable.TryGetLeaf(a, out var pmd, out _) && p.Mm.PageTable.Read(pmd).IsWrite); // a WRITE migration entry maps it writable again
        machine.CheckInvariants();
    }

    [Fact]
    public void A_page_shared_with_a_child_moves_for_both_and_is_no_longer_exclusive()
    {
        using var machine = WithPool(3);
        var parent = machine.CreateProcess();
        ulong a = parent.Mmap(0, Huge, Prot.Read | Prot.Write, AnonHuge);
        parent.WriteByte(a, 5);
        var child = parent.Fork();

        Assert.Equal(0, parent.MovePages(a, 1)[0]);

        Assert.Equal(parent.PageMap(a).Pfn, child.PageMap(a).Pfn); // READ entries in both, restored to the new page
        Assert.False(parent.PageMap(a).AnonExclusive);
        Assert.Equal(5, child.ReadByte(a));
        machine.CheckInvariants();
        child.Exit();
        long moved = parent.PageMap(a).Pfn;
        parent.WriteByte(a, 6); // mapped once: hugetlb_wp() reuses it
        Assert.Equal(moved, parent.PageMap(a).Pfn);
        machine.CheckInvariants();
    }

    [Fact]
    public void A_pinned_page_or_one_without_a_free_unreserved_page_stays()
    {
        using var machine = WithPool(3);
        var p = machine.CreateProcess();
        ulong a = p.Mmap(0, Huge, Prot.Read | Prot.Write, AnonHuge);
        p.WriteByte(a, 1);
        long pfn = p.PageMap(a).Pfn;
        using (p.PinUserPages(a, 1, GupFlags.Write | GupFlags.Longterm))
        {
            Assert.Equal(-(int)Errno.EBUSY, p.MovePages(a, 1)[0]); // hugetlb_try_share_anon_rmap() refuses a maybe-pinned page
            Assert.Equal(pfn, p.PageMap(a).Pfn);
            Assert.True(p.PageMap(a).AnonExclusive);
        }
        ulong reserved = p.Mmap(0, 2 * Huge, Prot.Read | Prot.Write, AnonHuge); // reserves the two free pages

        Assert.Equal(-(int)Errno.EBUSY, p.MovePages(a, 1)[0]); // no page a migration may take

        Assert.Equal(pfn, p.PageMap(a).Pfn);
        p.WriteByte(reserved + Huge, 2); // the reservations still hold
        p.WriteByte(reserved, 2);
        machine.CheckInvariants();
    }

    [Fact]
    public void A_long_term_pin_moves_a_hugetlb_page_out_of_ZONE_MOVABLE_if_its_pool_has_one_elsewhere()
    {
        // 4 MiB of ZONE_MOVABLE: the pool's first two pages land there (htlb_alloc_mask), the third in ZONE_NORMAL
        using var machine = new Machine(new MachineOptions { MemoryBytes = 32L << 20, MovableBytes = 4L << 20, HugetlbPoolBytes = [3 * (long)Huge], DebugVm = true });
        var p = machine.CreateProcess();
        ulong normal = p.Mmap(0, Huge, Prot.Read | Prot.Write, AnonHuge);
        p.WriteByte(normal, 1); // the free list gives the last page set aside first: the one in ZONE_NORMAL
        ulong a = p.Mmap(0, Huge, Prot.Read | Prot.Write, AnonHuge);
        p.WriteByte(a + 5, 2);
        Assert.False(machine.Physical.IsZoneMovable(p.PageMap(normal).Pfn));
        Assert.True(machine.Physical.IsZoneMovable(p.PageMap(a).Pfn));

        long movable = p.PageMap(a).Pfn;
        using (p.PinUserPages(a, 1, GupFlags.Write)) // a short-term pin may stay in ZONE_MOVABLE: nothing moves
            Assert.Equal(movable, p.PageMap(a).Pfn);
        Assert.Equal(Errno.ENOMEM, Assert.Throws<MmException>(() => p.PinUserPages(a, 1, GupFlags.Write | GupFlags.Longterm)).Errno); // no page outside it is free
        Assert.Equal(0, machine.Stats.PinnedPages);
        p.Munmap(normal, Huge);
        using var pin = p.PinUserPages(a, 1, GupFlags.Write | GupFlags.Longterm | GupFlags.Fast);

        Assert.False(machine.Physical.IsZoneMovable(p.PageMap(a).Pfn)); // check_and_migrate_movable_folios() moved it
        Assert.True(p.PageMap(a) is { AnonExclusive: true, MaybePinned: true });
        Assert.Equal(2, p.ReadByte(a + 5));
        machine.CheckInvariants();
    }

    [Fact]
    public void A_1_GiB_page_moves_through_a_PUD_migration_entry()
    {
        using var machine = WithGiganticPool(2);
        var p = machine.CreateProcess();
        ulong a = p.Mmap(0, Gig, Prot.Read | Prot.Write, AnonHuge | MapFlags.HugeTlb1G);
        p.WriteByte(a + Gig - 1, 3);
        long before = p.PageMap(a).Pfn;

        Assert.Equal(0, p.MovePages(a + Gig - Page, 1)[0]);

        Assert.NotEqual(before, p.PageMap(a).Pfn);
        Assert.Equal(3, p.ReadByte(a + Gig - 1));
        Assert.True(p.PageMap(a).AnonExclusive);
        machine.CheckInvariants();
    }
}
