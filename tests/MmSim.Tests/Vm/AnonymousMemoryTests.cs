using Xunit;
using static MmSim.Tests.Vm.TestMachine;

namespace MmSim.Tests.Vm;

/// <summary>Faults on private anonymous memory: the zero page, new exclusive pages, reuse and copy.</summary>
public class AnonymousMemoryTests
{
    [Fact]
    public void A_read_maps_the_one_zero_page_and_a_write_replaces_it()
    {
        using var machine = Create();
        var p = machine.CreateProcess();
        ulong a = p.MapAnon(2);

        Assert.False(p.PageMap(a).Present);
        Assert.Equal(0, p.ReadByte(a));
        Assert.Equal(0, p.ReadByte(a + Page));
        var zero = p.PageMap(a);
        Assert.True(zero.Present && zero.ZeroPage && !zero.Anon && !zero.AnonExclusive);
        Assert.Equal(zero.Pfn, p.PageMap(a + Page).Pfn);

        p.WriteByte(a, 7);

        var page = p.PageMap(a);
        Assert.True(page.Present && page.Anon && page.AnonExclusive && page.ExclusivelyMapped);
        Assert.False(page.ZeroPage);
        Assert.NotEqual(zero.Pfn, page.Pfn);
        Assert.Equal(7, p.ReadByte(a));
        machine.CheckInvariants();
    }

    [Fact]
    public void Fork_shares_pages_read_only_and_the_writer_copies()
    {
        using var machine = Create();
        var parent = machine.CreateProcess();
        ulong a = parent.MapAnon(1);
        parent.WriteByte(a, 1);
        long pfn = parent.PageMap(a).Pfn;

        var child = parent.Fork();

        Assert.Equal(pfn, child.PageMap(a).Pfn);
        Assert.False(parent.PageMap(a).AnonExclusive);
        Assert.False(parent.PageMap(a).ExclusivelyMapped); // mapcount 2
        machine.CheckInvariants();

        child.WriteByte(a, 2);

        Assert.NotEqual(pfn, child.PageMap(a).Pfn);
        Assert.True(child.PageMap(a).AnonExclusive);
        Assert.Equal(1, parent.ReadByte(a));
        Assert.Equal(2, child.ReadByte(a));
        // the parent is the only one left on the old page: its write reuses it (refcount 1)
        parent.WriteByte(a, 3);
        Assert.Equal(pfn, parent.PageMap(a).Pfn);
        Assert.True(parent.PageMap(a).AnonExclusive);
        machine.CheckInvariants();
    }

    [Theory]
    [InlineData(CowSemantics.AnonExclusive)]
    [InlineData(CowSemantics.RefcountReuse)]
    [InlineData(CowSemantics.MapcountReuse)]
    public void Every_generation_keeps_fork_isolation_for_plain_memory(CowSemantics semantics)
    {
        using var machine = Create(semantics);
        long free = machine.Stats.FreePages;
        var parent = machine.CreateProcess();
        ulong a = parent.MapAnon(4);
        for (ulong i = 0; i < 4; i++)
            parent.WriteByte(a + i * Page, (byte)i);
        var child = parent.Fork();
        var grandchild = child.Fork();

        parent.WriteByte(a, 10);
        child.WriteByte(a + Page, 11);
        grandchild.WriteByte(a + 2 * Page, 12);

        Assert.Equal(new byte[] { 10, 1, 2, 3 }, Bytes(parent, a));
        Assert.Equal(new byte[] { 0, 11, 2, 3 }, Bytes(child, a));
        Assert.Equal(new byte[] { 0, 1, 12, 3 }, Bytes(grandchild, a));
        Assert.Equal(semantics == CowSemantics.AnonExclusive, parent.PageMap(a).AnonExclusive);
        machine.CheckInvariants();
        machine.AssertCleanAfterExit(free);
    }

    [Fact]
    public void A_page_whose_sharers_exited_is_reused_in_place()
    {
        using var machine = Create();
        var parent = machine.CreateProcess();
        ulong a = parent.MapAnon(1);
        parent.WriteByte(a, 1);
        long pfn = parent.PageMap(a).Pfn;
        parent.Fork().Exit();

        Assert.False(parent.PageMap(a).AnonExclusive); // mapped once, but not known to be exclusive
        Assert.True(parent.PageMap(a).ExclusivelyMapped);
        parent.WriteByte(a, 2);

        Assert.Equal(pfn, parent.PageMap(a).Pfn);
        Assert.True(parent.PageMap(a).AnonExclusive);
    }

    [Fact]
    public void Writes_across_page_boundaries_land_in_both_pages()
    {
        using var machine = Create();
        var p = machine.CreateProcess();
        ulong a = p.MapAnon(3);
        var data = new byte[Page + 10];
        for (int i = 0; i < data.Length; i++)
            data[i] = (byte)(i * 7);

        p.Write(a + Page - 5, data);

        var back = new byte[data.Length];
        p.Read(a + Page - 5, back);
        Assert.Equal(data, back);
        Assert.True(p.PageMap(a).Present && p.PageMap(a + Page).Present && p.PageMap(a + 2 * Page).Present);
    }

    private static byte[] Bytes(Process process, ulong address)
    {
        var bytes = new byte[4];
        for (ulong i = 0; i < 4; i++)
            bytes[i] = process.ReadByte(address + i * Page);
        return bytes;
    }
}
