using MmSim.Tests.Vm;
using Xunit;
using static MmSim.Tests.Vm.TestMachine;

namespace MmSim.Tests.Migration;

/// <summary>move_pages(): migration entries carry exclusivity; pinned and referenced pages refuse to move.</summary>
public class MigrationTests
{
    [Fact]
    public void An_exclusive_writable_page_moves_and_stays_exclusive_and_writable()
    {
        using var machine = Create();
        long free = machine.Stats.FreePages;
        var p = machine.CreateProcess();
        ulong a = p.MapAnon(1);
        p.WriteByte(a + 3, 7);
        long before = p.PageMap(a).Pfn;

        Assert.Equal(new[] { 0 }, p.MovePages(a, 1));

        var after = p.PageMap(a);
        Assert.NotEqual(before, after.Pfn);
        Assert.True(after.AnonExclusive);
        Assert.Equal(7, p.ReadByte(a + 3));
        p.WriteByte(a + 3, 8); // still writable without a copy
        Assert.Equal(after.Pfn, p.PageMap(a).Pfn);
        machine.CheckInvariants();
        machine.AssertCleanAfterExit(free);
    }

    [Fact]
    public void A_swap_cache_page_moves_with_its_place_in_the_swap_cache()
    {
        using var machine = new Machine(new MachineOptions { MemoryBytes = 16L << 20, SwapBytes = 4L << 20, DebugVm = true });
        long free = machine.Stats.FreePages;
        var p = machine.CreateProcess();
        ulong a = p.MapAnon(1);
        p.WriteByte(a, 4);
        p.Madvise(a, Page, Advice.PageOut);
        var child = p.Fork();         // the child keeps naming the slot
        Assert.Equal(4, p.ReadByte(a)); // a read swap-in: the page stays in the swap cache
        long before = p.PageMap(a).Pfn;

        Assert.Equal(new[] { 0 }, p.MovePages(a, 1));

        Assert.NotEqual(before, p.PageMap(a).Pfn);
        Assert.Equal(1, machine.Stats.SwapUsedPages);
        machine.CheckInvariants();
        Assert.Equal(4, child.ReadByte(a)); // the child's swap-in finds the moved page in the swap cache
        Assert.Equal(p.PageMap(a).Pfn, child.PageMap(a).Pfn);
        machine.CheckInvariants();
        machine.AssertCleanAfterExit(free);
        Assert.Equal(0, machine.Stats.SwapUsedPages);
    }

    [Fact]
    public void A_page_a_child_swapped_in_is_found_from_the_parent_too_and_moves_for_both()
    {
        using var machine = new Machine(new MachineOptions { MemoryBytes = 16L << 20, SwapBytes = 4L << 20, DebugVm = true });
        long free = machine.Stats.FreePages;
        var parent = machine.CreateProcess();
        ulong a = parent.MapAnon(1);
        parent.WriteByte(a, 7);
        parent.Madvise(a, Page, Advice.PageOut);
        var child = parent.Fork(); // both entries name the same swap slot
        Assert.True(parent.PageMap(a).Swapped && child.PageMap(a).Swapped);
        Assert.Equal(7, child.ReadByte(a)); // the child's swap-in gives the page its anon_vma: the root, not the child's own
        Assert.Equal(7, parent.ReadByte(a)); // the parent maps the same swap-cache page

        Assert.Equal(new[] { 0 }, parent.MovePages(a, 1)); // the rmap walk finds both mappings

        Assert.Equal(parent.PageMap(a).Pfn, child.PageMap(a).Pfn);
        machine.CheckInvariants();
        child.Exit();
        machine.AssertCleanAfterExit(free);
    }

    [Fact]
    public void A_read_only_exclusive_page_comes_back_exclusive_through_READ_EXCLUSIVE()
    {
        using var machine = Create();
        var p = machine.CreateProcess();
        ulong a = p.MapAnon(1);
        p.WriteByte(a, 1);
        p.Mprotect(a, Page, Prot.Read);

        Assert.Equal(new[] { 0 }, p.MovePages(a, 1));

        Assert.True(p.PageMap(a).AnonExclusive);
        p.Mprotect(a, Page, Prot.Read | Prot.Write);
        long pfn = p.PageMap(a).Pfn;
        p.WriteByte(a, 2); // reused in place: exclusivity survived the move
        Assert.Equal(pfn, p.PageMap(a).Pfn);
        machine.CheckInvariants();
    }

    [Fact]
    public void A_shared_page_moves_for_every_process_and_stays_shared()
    {
        using var machine = Create();
        var parent = machine.CreateProcess();
        ulong a = parent.MapAnon(1);
        parent.WriteByte(a, 4);
        var child = parent.Fork();

        Assert.Equal(new[] { 0 }, parent.MovePages(a, 1));

        Assert.Equal(parent.PageMap(a).Pfn, child.PageMap(a).Pfn);
        Assert.False(parent.PageMap(a).AnonExclusive);
        child.WriteByte(a, 5);
        Assert.Equal(4, parent.ReadByte(a));
        machine.CheckInvariants();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_pinned_or_referenced_page_does_not_move(bool pin)
    {
        using var machine = Create();
        var p = machine.CreateProcess();
        ulong a = p.MapAnon(1);
        p.WriteByte(a, 1);
        long pfn = p.PageMap(a).Pfn;
        using var gup = pin ? p.PinUserPages(a, 1, GupFlags.Write | GupFlags.Longterm) : p.GetUserPages(a, 1, GupFlags.Write);

        Assert.Equal(new[] { -(int)Errno.EBUSY }, p.MovePages(a, 1));

        Assert.Equal(pfn, p.PageMap(a).Pfn);
        Assert.True(p.PageMap(a).AnonExclusive); // restored from the migration entry
        gup.Write(0, 0, new byte[] { 9 });
        Assert.Equal(9, p.ReadByte(a));
        machine.CheckInvariants();
    }

    [Fact]
    public void Statuses_report_holes_and_pages_never_touched()
    {
        using var machine = Create();
        var p = machine.CreateProcess();
        ulong a = p.MapAnon(2);
        p.WriteByte(a, 1);

        var status = p.MovePages(a, 3);

        Assert.Equal(new[] { 0, -(int)Errno.ENOENT, -(int)Errno.EFAULT }, status);
        Assert.Equal(Errno.EINVAL, Assert.Throws<MmException>(() => p.MovePages(a, 0)).Errno);
    }
}
