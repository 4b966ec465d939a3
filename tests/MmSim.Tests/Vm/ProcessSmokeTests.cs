using System;
using Xunit;

namespace MmSim.Tests.Vm;

public class ProcessSmokeTests
{
    [Fact]
    public void Anonymous_memory_round_trips_and_fork_copies_on_write()
    {
        using var machine = new Machine();
        var parent = machine.CreateProcess();
        ulong a = parent.Mmap(0, 3 * 4096, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Anonymous);
        parent.Write(a + 10, new byte[] { 1, 2, 3 });
        var buffer = new byte[3];
        parent.Read(a + 10, buffer);
        Assert.Equal(new byte[] { 1, 2, 3 }, buffer);
        Assert.True(parent.PageMap(a).AnonExclusive);

        var child = parent.Fork();
        Assert.False(parent.PageMap(a).AnonExclusive);
        Assert.Equal(parent.PageMap(a).Pfn, child.PageMap(a).Pfn);
        machine.CheckInvariants();

        parent.Write(a + 10, new byte[] { 9 });
        child.Read(a + 10, buffer);
        Assert.Equal(new byte[] { 1, 2, 3 }, buffer);
        Assert.NotEqual(parent.PageMap(a).Pfn, child.PageMap(a).Pfn);
        Assert.True(parent.PageMap(a).AnonExclusive);
        machine.CheckInvariants();

        child.Exit();
        parent.Exit();
        machine.CheckInvariants();
        Assert.Equal(0, machine.Stats.AnonPages);
    }
}
