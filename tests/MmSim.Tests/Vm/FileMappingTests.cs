using System.Text;
using Xunit;
using static MmSim.Tests.Vm.TestMachine;

namespace MmSim.Tests.Vm;

/// <summary>File, memfd and shared anonymous mappings through the page cache.</summary>
public class FileMappingTests
{
    private static readonly Prot RW = Prot.Read | Prot.Write;

    [Fact]
    public void A_private_file_mapping_reads_the_page_cache_and_copies_on_write()
    {
        using var machine = Create();
        var p = machine.CreateProcess();
        var file = machine.CreateFile("data", Encoding.ASCII.GetBytes("hello"));
        ulong priv = p.Mmap(0, Page, RW, MapFlags.Private, file);
        ulong shared = p.Mmap(0, Page, Prot.Read, MapFlags.Shared, file);

        Assert.Equal((byte)'h', p.ReadByte(priv));
        Assert.Equal((byte)'h', p.ReadByte(shared));
        Assert.Equal(p.PageMap(shared).Pfn, p.PageMap(priv).Pfn); // both map the page-cache page
        Assert.False(p.PageMap(priv).Anon);

        p.WriteByte(priv, (byte)'j');

        Assert.Equal((byte)'j', p.ReadByte(priv));
        Assert.Equal((byte)'h', p.ReadByte(shared));
        Assert.True(p.PageMap(priv).Anon && p.PageMap(priv).AnonExclusive);
        machine.CheckInvariants();
    }

    [Fact]
    public void Shared_writes_reach_every_mapping_of_the_file()
    {
        using var machine = Create();
        var a = machine.CreateProcess();
        var b = machine.CreateProcess();
        var memfd = machine.CreateMemfd("shm", 2 * (long)Page);
        ulong x = a.Mmap(0, 2 * Page, RW, MapFlags.Shared, memfd);
        ulong y = b.Mmap(0, Page, Prot.Read, MapFlags.Shared, memfd, Page);

        a.WriteByte(x + Page + 3, 5);

        Assert.Equal(5, b.ReadByte(y + 3));
        machine.CheckInvariants();
    }

    [Fact]
    public void A_page_beyond_the_end_of_the_file_is_a_bus_error()
    {
        using var machine = Create();
        var p = machine.CreateProcess();
        var file = machine.CreateFile("short", new byte[10]);
        ulong a = p.Mmap(0, 2 * Page, Prot.Read, MapFlags.Private, file);

        p.ReadByte(a + Page - 1); // the partial last page reads zeros after EOF
        var bus = Assert.Throws<BusErrorException>(() => p.ReadByte(a + Page));
        Assert.Equal(a + Page, bus.Address);
        machine.CheckInvariants();
    }

    [Fact]
    public void Shared_anonymous_memory_is_shared_with_the_child_and_freed_with_the_last_mapping()
    {
        using var machine = Create();
        long free = machine.Stats.FreePages;
        var parent = machine.CreateProcess();
        ulong a = parent.Mmap(0, Page, RW, MapFlags.Shared | MapFlags.Anonymous);
        parent.WriteByte(a, 1);
        var child = parent.Fork();

        child.WriteByte(a, 2);

        Assert.Equal(2, parent.ReadByte(a));
        Assert.False(parent.PageMap(a).Anon);
        machine.CheckInvariants();
        parent.Exit();
        child.Exit();
        Assert.Equal(free, machine.Stats.FreePages);
        machine.CheckInvariants();
    }
}
