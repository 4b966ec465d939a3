using MmSim.Tests.Vm;
using Xunit;
using static MmSim.Tests.Vm.TestMachine;

namespace MmSim.Tests.Ksm;

/// <summary>KSM merging, COW of KSM pages, unsharing and unmerging (ksm_functional_tests.c shapes).</summary>
public class KsmTests
{
    private static (Machine Machine, Process P, ulong A) TwoIdenticalPages(CowSemantics semantics = CowSemantics.AnonExclusive)
    {
        var machine = Create(semantics);
        var p = machine.CreateProcess();
        ulong a = p.MapAnon(2);
        p.WriteByte(a, 0x5a);
        p.WriteByte(a + Page, 0x5a);
        p.Madvise(a, 2 * Page, Advice.Mergeable);
        return (machine, p, a);
    }

    [Fact]
    public void Identical_pages_merge_on_the_second_scan_that_finds_them_unchanged()
    {
        var (machine, p, a) = TwoIdenticalPages();
        using var _ = machine;

        machine.RunKsm();
        Assert.NotEqual(p.PageMap(a).Pfn, p.PageMap(a + Page).Pfn);
        machine.RunKsm();

        var first = p.PageMap(a);
        Assert.Equal(first.Pfn, p.PageMap(a + Page).Pfn);
        Assert.True(first.Ksm && first.Anon && !first.AnonExclusive);
        Assert.Equal(1, machine.Stats.AnonPages);
        machine.CheckInvariants();
    }

    [Fact]
    public void A_stable_node_whose_ksm_page_was_freed_and_reused_is_not_merged_into()
    {
        // get_ksm_page(): between two scans the KSM page can be freed and its frame reused
        var (machine, p, a) = TwoIdenticalPages();
        using var _ = machine;
        machine.RunKsm();
        machine.RunKsm();
        long ksmPfn = p.PageMap(a).Pfn;
        p.Munmap(a, 2 * Page); // the KSM page is freed; its stable node is stale until the next prune
        ulong b = p.MapAnon(2);
        p.Madvise(b, 2 * Page, Advice.Mergeable);
        p.WriteByte(b, 0x5a);      // takes the freed frame back (the free lists are LIFO)
        p.WriteByte(b + Page, 0x5a);
        Assert.Equal(ksmPfn, p.PageMap(b).Pfn);

        machine.RunKsm(); // finds the stale node with the same contents first
        machine.CheckInvariants();
        machine.RunKsm();

        var merged = p.PageMap(b);
        Assert.True(merged.Ksm && p.PageMap(b + Page).Ksm);
        machine.CheckInvariants();
        p.WriteByte(b, 1);
        Assert.Equal(0x5a, p.ReadByte(b + Page));
        machine.CheckInvariants();
    }

    [Fact]
    public void Pages_of_different_processes_merge_too_and_writes_copy()
    {
        using var machine = Create();
        var p = machine.CreateProcess();
        var q = machine.CreateProcess();
        ulong a = p.MapAnon(1);
        ulong b = q.MapAnon(1);
        p.WriteByte(a, 3);
        q.WriteByte(b, 3);
        p.Madvise(a, Page, Advice.Mergeable);
        q.Madvise(b, Page, Advice.Mergeable);
        machine.RunKsm();
        machine.RunKsm();
        long ksm = p.PageMap(a).Pfn;
        Assert.Equal(ksm, q.PageMap(b).Pfn);

        q.WriteByte(b, 4);

        Assert.NotEqual(ksm, q.PageMap(b).Pfn);
        Assert.True(q.PageMap(b).AnonExclusive);
        Assert.Equal(3, p.ReadByte(a));
        machine.CheckInvariants();
    }

    [Fact]
    public void A_page_that_changed_since_the_last_scan_waits_one_more_scan()
    {
        var (machine, p, a) = TwoIdenticalPages();
        using var _ = machine;
        machine.RunKsm();        // scan 1: checksums remembered
        p.WriteByte(a, 1);
        machine.RunKsm();        // scan 2: page 0 changed, so it is too volatile to merge
        p.WriteByte(a, 0x5a);    // identical again, but changed once more since scan 2
        machine.RunKsm();        // scan 3: still volatile
        Assert.NotEqual(p.PageMap(a).Pfn, p.PageMap(a + Page).Pfn);

        machine.RunKsm();        // scan 4: unchanged since scan 3, merged

        Assert.Equal(p.PageMap(a).Pfn, p.PageMap(a + Page).Pfn);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_pinned_or_referenced_page_is_never_merged(bool pin)
    {
        var (machine, p, a) = TwoIdenticalPages();
        using var _ = machine;
        using var gup = pin ? p.PinUserPages(a, 1, GupFlags.Write | GupFlags.Longterm) : p.GetUserPages(a, 1, GupFlags.Write);

        machine.RunKsm();
        machine.RunKsm();

        Assert.NotEqual(p.PageMap(a).Pfn, p.PageMap(a + Page).Pfn);
        Assert.False(p.PageMap(a).Ksm);
        gup.Write(0, 0, new byte[] { 0x77 }); // the device still reaches the page the process maps
        Assert.Equal(0x77, p.ReadByte(a));
        machine.CheckInvariants();
    }

    [Fact]
    public void A_ro_pin_of_a_ksm_page_unshares_it()
    {
        var (machine, p, a) = TwoIdenticalPages();
        using var _ = machine;
        machine.RunKsm();
        machine.RunKsm();
        long ksm = p.PageMap(a).Pfn;

        using var pin = p.PinUserPages(a, 1, GupFlags.Longterm);

        Assert.NotEqual(ksm, p.PageMap(a).Pfn);
        Assert.True(p.PageMap(a).AnonExclusive && !p.PageMap(a).Ksm);
        Assert.Equal(ksm, p.PageMap(a + Page).Pfn);
        machine.CheckInvariants();
    }

    [Fact]
    public void Unmergeable_replaces_every_ksm_page_and_skips_holes()
    {
        var (machine, p, a) = TwoIdenticalPages();
        using var _ = machine;
        machine.RunKsm();
        machine.RunKsm();
        p.Madvise(a, Page, Advice.DontNeed); // test_unmerge_discarded: a hole in the range

        p.Madvise(a, 2 * Page, Advice.Unmergeable);

        Assert.False(p.PageMap(a).Present);
        var second = p.PageMap(a + Page);
        Assert.True(second.Present && !second.Ksm && second.AnonExclusive);
        Assert.Equal(0x5a, p.ReadByte(a + Page));
        machine.RunKsm();
        machine.RunKsm();
        Assert.False(p.PageMap(a + Page).Ksm); // no longer mergeable
        machine.CheckInvariants();
    }

    [Fact]
    public void Prot_none_pages_merge_and_a_forced_write_or_unmerge_gives_each_page_its_own_frame()
    {
        // ksm_functional_tests' test_prot_none: merge PROT_NONE memory, ptrace-write the first half through
        // /proc/self/mem (FOLL_FORCE), unmerge the second half; then no two pages may share a frame
        using var machine = Create();
        var p = machine.CreateProcess();
        const ulong Pages = 8;
        ulong a = p.MapAnon(Pages);
        var fill = new byte[Pages * Page];
        System.Array.Fill(fill, (byte)0x11);
        p.Write(a, fill);
        p.Mprotect(a, Pages * Page, Prot.None);
        p.Madvise(a, Pages * Page, Advice.Mergeable);
        machine.RunKsm();
        machine.RunKsm();
        Assert.True(p.PageMap(a).Ksm);
        Assert.Equal(p.PageMap(a).Pfn, p.PageMap(a + (Pages - 1) * Page).Pfn);

        for (ulong i = 0; i < Pages / 2; i++)
        {
            using var mem = p.GetUserPages(a + i * Page, 1, GupFlags.Write | GupFlags.Force);
            mem.Write(0, 0, new byte[] { 0x22 });
        }
        p.Madvise(a + Pages / 2 * Page, Pages / 2 * Page, Advice.Unmergeable);

        var frames = new System.Collections.Generic.HashSet<long>();
        for (ulong i = 0; i < Pages; i++)
        {
            var entry = p.PageMap(a + i * Page);
            Assert.False(entry.Ksm);
            Assert.True(frames.Add(entry.Pfn), $"page {i} shares frame 0x{entry.Pfn:x}");
            using var mem = p.GetUserPages(a + i * Page, 1, GupFlags.Force);
            var seen = new byte[1];
            mem.Read(0, 0, seen);
            Assert.Equal(i < Pages / 2 ? 0x22 : 0x11, seen[0]);
        }
        Assert.Throws<SegmentationFaultException>(() => p.ReadByte(a)); // still PROT_NONE
        machine.CheckInvariants();
    }

    [Fact]
    public void Fork_of_a_ksm_page_shares_it_and_exit_frees_it()
    {
        var (machine, p, a) = TwoIdenticalPages();
        using var _ = machine;
        machine.RunKsm();
        machine.RunKsm();
        var child = p.Fork();

        Assert.Equal(p.PageMap(a).Pfn, child.PageMap(a + Page).Pfn);
        machine.CheckInvariants();
        child.Exit();
        p.Exit();
        machine.CheckInvariants();
        Assert.Equal(0, machine.Stats.AnonPages);
    }
}
