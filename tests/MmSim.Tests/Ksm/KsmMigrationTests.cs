using MmSim.Tests.Vm;
using Xunit;
using static MmSim.Tests.Vm.TestMachine;

namespace MmSim.Tests.Ksm;

/// <summary>
/// KSM pages migrate (rmap_walk_ksm, folio_migrate_ksm): every mapping the stable node's rmap_items lead to,
/// forked children included, moves to the new frame, the page stays a KSM page, and the stable node follows it.
/// </summary>
public class KsmMigrationTests
{
    /// <summary>Three identical pages merged into one KSM page, and a child forked afterwards that maps it too.</summary>
    private static (Machine Machine, Process P, Process Child, ulong A, long Free) MergedAndForked()
    {
        var machine = Create();
        long free = machine.Stats.FreePages;
        var p = machine.CreateProcess();
        ulong a = p.MapAnon(4);
        for (ulong i = 0; i < 3; i++)
            p.WriteByte(a + i * Page, 0x5a);
        p.Madvise(a, 4 * Page, Advice.Mergeable);
        machine.RunKsm();
        machine.RunKsm();
        Assert.True(p.PageMap(a).Ksm && p.PageMap(a + 2 * Page).Pfn == p.PageMap(a).Pfn);
        var child = p.Fork();
        return (machine, p, child, a, free);
    }

    [Fact]
    public void Move_pages_moves_a_ksm_page_for_every_mapping_and_it_stays_a_ksm_page()
    {
        var (machine, p, child, a, free) = MergedAndForked();
        using var _ = machine;
        long before = p.PageMap(a).Pfn;

        Assert.Equal(new[] { 0 }, p.MovePages(a + Page, 1));

        var moved = p.PageMap(a + Page);
        Assert.NotEqual(before, moved.Pfn);
        Assert.True(moved.Ksm && !moved.AnonExclusive);
        for (ulong i = 0; i < 3; i++)
        {
            Assert.Equal(moved.Pfn, p.PageMap(a + i * Page).Pfn);
            Assert.Equal(moved.Pfn, child.PageMap(a + i * Page).Pfn); // found through the anon_vma the child shares
        }
        child.WriteByte(a, 1); // COW of a KSM page: the others keep the merged contents
        Assert.Equal(0x5a, p.ReadByte(a));
        machine.CheckInvariants();
        child.Exit();
        machine.AssertCleanAfterExit(free); // the old frame was freed
    }

    [Fact]
    public void The_stable_node_follows_its_page_so_a_later_identical_page_merges_with_the_moved_one()
    {
        var (machine, p, child, a, _) = MergedAndForked();
        using var __ = machine;
        child.Exit();
        Assert.Equal(new[] { 0 }, p.MovePages(a, 1));
        long moved = p.PageMap(a).Pfn;

        p.WriteByte(a + 3 * Page, 0x5a);
        machine.RunKsm();
        machine.RunKsm();

        Assert.Equal(moved, p.PageMap(a + 3 * Page).Pfn); // stable_tree_search() found the node at its new kpfn
        Assert.True(p.PageMap(a + 3 * Page).Ksm);
        machine.CheckInvariants();
    }

    [Fact]
    public void A_pinned_ksm_page_does_not_move()
    {
        var (machine, p, child, a, _) = MergedAndForked();
        using var __ = machine;
        long before = p.PageMap(a).Pfn;
        using var get = p.GetUserPages(a, 1, GupFlags.None); // a reference beyond the mappings

        Assert.Equal(new[] { -(int)Errno.EBUSY }, p.MovePages(a, 1));

        Assert.Equal(before, p.PageMap(a).Pfn);
        Assert.Equal(before, child.PageMap(a).Pfn);
        machine.CheckInvariants();
    }

    [Fact]
    public void Mremap_breaks_ksm_pages_before_it_moves_them()
    {
        var (machine, p, child, a, _) = MergedAndForked();
        using var __ = machine;
        child.Exit();

        ulong moved = p.Mremap(a, 4 * Page, 4 * Page, MremapFlags.MayMove | MremapFlags.Fixed, a + (64UL << 20));

        Assert.False(p.PageMap(moved).Ksm); // prep_move_vma(): ksm_madvise(MADV_UNMERGEABLE)
        Assert.True(p.PageMap(moved).AnonExclusive);
        Assert.Equal(0x5a, p.ReadByte(moved + 2 * Page));
        machine.CheckInvariants();
    }
}
