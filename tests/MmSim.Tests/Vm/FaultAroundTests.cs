using Xunit;
using static MmSim.Tests.Vm.TestMachine;

namespace MmSim.Tests.Vm;

/// <summary>do_fault_around(): a read fault on a file mapping maps the cached pages of its 64 KiB window too.</summary>
public class FaultAroundTests
{
    [Fact]
    public void A_read_fault_maps_the_cached_neighbours_but_not_the_uncached_ones()
    {
        using var machine = Create();
        var writer = machine.CreateProcess();
        var reader = machine.CreateProcess();
        var memfd = machine.CreateMemfd("shm", 32 * (long)Page);
        ulong w = writer.Mmap(0, 32 * Page, Prot.Read | Prot.Write, MapFlags.Shared, memfd);
        writer.WriteByte(w + 2 * Page, 2);  // cached, inside the first 16-page window
        writer.WriteByte(w + 20 * Page, 3); // cached, in the next window
        ulong r = reader.Mmap(0, 32 * Page, Prot.Read, MapFlags.Shared, memfd);

        Assert.Equal(0, reader.ReadByte(r + 5 * Page)); // shmem creates page 5 on this fault

        Assert.True(reader.PageMap(r + 2 * Page).Present);   // mapped around the fault
        Assert.Equal(writer.PageMap(w + 2 * Page).Pfn, reader.PageMap(r + 2 * Page).Pfn);
        Assert.False(reader.PageMap(r + 3 * Page).Present);  // never cached: fault-around allocates nothing
        Assert.False(reader.PageMap(r + 20 * Page).Present); // outside the window
        machine.CheckInvariants();
    }

    [Fact]
    public void Write_faults_and_private_copies_map_only_their_own_page()
    {
        using var machine = Create();
        var p = machine.CreateProcess();
        var memfd = machine.CreateMemfd("shm", 16 * (long)Page);
        ulong shared = p.Mmap(0, 16 * Page, Prot.Read | Prot.Write, MapFlags.Shared, memfd);
        p.WriteByte(shared + Page, 1);
        ulong priv = p.Mmap(0, 16 * Page, Prot.Read | Prot.Write, MapFlags.Private, memfd);

        p.WriteByte(priv, 7);      // do_cow_fault(): no fault-around
        p.WriteByte(shared, 8);    // do_shared_fault(): none either

        Assert.False(p.PageMap(priv + Page).Present);
        Assert.True(p.PageMap(priv).Anon);
        Assert.Equal(0, p.ReadByte(priv + 2 * Page)); // a read fault: it maps page 1 around it
        Assert.True(p.PageMap(priv + Page).Present && !p.PageMap(priv + Page).Anon);
        machine.CheckInvariants();
    }
}
