using MmSim.Tests.Vm;
using Xunit;
using static MmSim.Tests.Vm.TestMachine;

namespace MmSim.Tests.Gup;

/// <summary>
/// ZONE_MOVABLE and long-term pins (check_and_migrate_movable_pages): user pages land in the movable zone
/// first, and a FOLL_LONGTERM pin migrates them out before it holds them, so that the zone stays movable.
/// </summary>
public class LongtermMovableTests
{
    private const ulong Thp = 2UL << 20;

    private static Machine WithMovableZone(long memory = 16L << 20, long movable = 8L << 20) =>
        new(new MachineOptions { MemoryBytes = memory, MovableBytes = movable, DebugVm = true });

    private static bool InMovableZone(Machine machine, Process p, ulong address) => machine.Physical.IsZoneMovable(p.PageMap(address).Pfn);

    [Fact]
    public void User_pages_come_from_the_movable_zone_first()
    {
        using var machine = WithMovableZone();
        var p = machine.CreateProcess();
        ulong a = p.MapAnon(4);

        p.WriteByte(a, 1);

        Assert.True(InMovableZone(machine, p, a));
        Assert.Equal((16L - 8) << 20 >> 12, machine.Physical.MovableStart);
        machine.CheckInvariants();
    }

    [Theory]
    [InlineData(GupFlags.Write | GupFlags.Longterm)]
    [InlineData(GupFlags.Write | GupFlags.Longterm | GupFlags.Fast)]
    [InlineData(GupFlags.Longterm)]
    public void A_longterm_pin_migrates_the_page_out_of_the_movable_zone(GupFlags flags)
    {
        using var machine = WithMovableZone();
        long free = machine.Stats.FreePages;
        var p = machine.CreateProcess();
        ulong a = p.MapAnon(2);
        p.WriteByte(a, 7);
        p.WriteByte(a + Page, 8);
        long before = p.PageMap(a).Pfn;

        var pin = p.PinUserPages(a, 2, flags);

        var after = p.PageMap(a);
        Assert.NotEqual(before, after.Pfn);
        Assert.False(InMovableZone(machine, p, a) || InMovableZone(machine, p, a + Page));
        Assert.True(after.AnonExclusive && after.MaybePinned); // the migration entries carried exclusivity
        Assert.Equal(7, p.ReadByte(a));
        var seen = new byte[1];
        pin.Read(1, 0, seen);
        Assert.Equal(8, seen[0]);
        if ((flags & GupFlags.Write) != 0)
        {
            pin.Write(0, 0, [9]);
            Assert.Equal(9, p.ReadByte(a)); // the pin and the page table agree
        }
        machine.CheckInvariants();
        pin.Release();
        machine.AssertCleanAfterExit(free);
    }

    [Fact]
    public void A_short_term_pin_leaves_the_page_where_it_is()
    {
        using var machine = WithMovableZone();
        var p = machine.CreateProcess();
        ulong a = p.MapAnon(1);
        p.WriteByte(a, 1);
        long before = p.PageMap(a).Pfn;

        using var pin = p.PinUserPages(a, 1, GupFlags.Write);

        Assert.Equal(before, p.PageMap(a).Pfn);
        Assert.True(InMovableZone(machine, p, a));
    }

    [Fact]
    public void A_thp_in_the_movable_zone_moves_whole_to_a_thp_outside_it()
    {
        using var machine = new Machine(new MachineOptions { MemoryBytes = 32L << 20, MovableBytes = 16L << 20, Thp = ThpMode.Always, DebugVm = true });
        long free = machine.Stats.FreePages;
        var p = machine.CreateProcess();
        ulong mem = ThpIn(p);
        long before = p.PageMap(mem).Pfn;

        var pin = p.PinUserPages(mem + 3 * Page, 1, GupFlags.Write | GupFlags.Longterm);

        var moved = p.PageMap(mem + 3 * Page);
        Assert.True(moved.Thp && moved.AnonExclusive);
        Assert.False(InMovableZone(machine, p, mem + 3 * Page));
        Assert.NotEqual(before, p.PageMap(mem).Pfn);
        Assert.Equal(p.PageMap(mem).Pfn + 3, moved.Pfn); // still one THP, its pages in order
        Assert.Equal(5, p.ReadByte(mem + 3 * Page));
        pin.Write(0, 0, [6]);
        Assert.Equal(6, p.ReadByte(mem + 3 * Page));
        machine.CheckInvariants();
        pin.Release();
        machine.AssertCleanAfterExit(free);
    }

    [Fact]
    public void A_thp_with_no_free_thp_outside_the_movable_zone_is_split_and_the_pinned_page_migrated()
    {
        using var machine = new Machine(new MachineOptions { MemoryBytes = 32L << 20, MovableBytes = 16L << 20, Thp = ThpMode.Always, DebugVm = true });
        var p = machine.CreateProcess();
        ulong mem = ThpIn(p);
        var held = machine.FragmentNormalZone();

        using var pin = p.PinUserPages(mem + 3 * Page, 1, GupFlags.Write | GupFlags.Longterm);

        Assert.False(InMovableZone(machine, p, mem + 3 * Page));
        Assert.False(p.PageMap(mem + 3 * Page).Thp);
        Assert.Equal(5, p.ReadByte(mem + 3 * Page));
        held.PutAll();
        machine.CheckInvariants(); // the test's own frames are given back first: the checker would call them leaked
    }

    // a THP in ZONE_MOVABLE, PMD-mapped, with 5 in its fourth page
    private static ulong ThpIn(Process p)
    {
        ulong area = p.Mmap(0, 2 * Thp, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Anonymous);
        ulong mem = (area + Thp - 1) & ~(Thp - 1);
        p.WriteByte(mem + 3 * Page, 5);
        Assert.True(p.PageMap(mem).Thp && InMovableZone(p.Machine, p, mem));
        return mem;
    }

    [Fact]
    public void A_page_another_pin_holds_cannot_move_and_the_longterm_pin_fails_with_ENOMEM()
    {
        using var machine = WithMovableZone();
        var p = machine.CreateProcess();
        ulong a = p.MapAnon(1);
        p.WriteByte(a, 1);
        using var shortTerm = p.PinUserPages(a, 1, GupFlags.Write);
        long pinned = machine.Stats.PinnedPages;

        var error = Assert.Throws<MmException>(() => p.PinUserPages(a, 1, GupFlags.Write | GupFlags.Longterm));

        Assert.Equal(Errno.ENOMEM, error.Errno);
        Assert.Equal(pinned, machine.Stats.PinnedPages); // every pin the failed call took is gone
        Assert.True(InMovableZone(machine, p, a));
        machine.CheckInvariants();
    }

    [Fact]
    public void Without_normal_memory_to_move_to_the_longterm_pin_fails_with_ENOMEM_and_leaks_nothing()
    {
        using var machine = WithMovableZone();
        long free = machine.Stats.FreePages;
        var p = machine.CreateProcess();
        ulong a = p.MapAnon(1);
        p.WriteByte(a, 1);
        machine.FailAllocations(space: 0, times: 1); // the migration target

        var error = Assert.Throws<MmException>(() => p.PinUserPages(a, 1, GupFlags.Write | GupFlags.Longterm));

        Assert.Equal(Errno.ENOMEM, error.Errno);
        Assert.Equal(1, p.ReadByte(a));
        Assert.Equal(0, machine.Stats.PinnedPages);
        machine.CheckInvariants();
        machine.AssertCleanAfterExit(free);
    }

    [Theory]
    [InlineData(-1L)]
    [InlineData(16L << 20)]
    public void A_movable_zone_that_leaves_no_normal_memory_is_EINVAL(long movable)
    {
        var error = Assert.Throws<MmException>(() => new Machine(new MachineOptions { MemoryBytes = 16L << 20, MovableBytes = movable }));

        Assert.Equal(Errno.EINVAL, error.Errno);
    }
}
