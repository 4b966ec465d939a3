using MmSim.Tests.Vm;
using Xunit;
using static MmSim.Tests.Vm.TestMachine;

namespace MmSim.Tests.Device;

/// <summary>
/// Device-private memory (HMM): pages move to device memory through migration entries, exclusivity travels
/// with them, fork shares device-private entries read-only, and a CPU access migrates the page back.
/// </summary>
public class DevicePrivateTests
{
    private static Machine WithDevice(CowSemantics semantics = CowSemantics.AnonExclusive) =>
        new(new MachineOptions { MemoryBytes = 16L << 20, DevicePrivateBytes = 64 * 4096, Semantics = semantics, DebugVm = true });

    /// <summary>A process with one anonymous page, holding <paramref name="value"/>, moved to device memory.</summary>
    private static (Process P, ulong A) OnePageInDevice(Machine machine, byte value)
    {
        var p = machine.CreateProcess();
        ulong a = p.MapAnon(1);
        p.WriteByte(a, value);
        Assert.Equal(new[] { 0 }, p.MigrateToDevice(a, 1));
        return (p, a);
    }

    private static bool InDevice(Machine machine, Process p, ulong address) =>
        p.PageMap(address) is { Swapped: true } entry && machine.Physical.IsZoneDevice(entry.Pfn >> 5);

    [Fact]
    public void An_exclusive_page_moves_to_the_device_and_comes_back_exclusive_on_a_cpu_access()
    {
        using var machine = WithDevice();
        long free = machine.Stats.FreePages;
        var p = machine.CreateProcess();
        ulong a = p.MapAnon(2);
        p.WriteByte(a, 7);
        p.WriteByte(a + Page, 8);

        Assert.Equal(new[] { 0, 0 }, p.MigrateToDevice(a, 2));

        Assert.True(InDevice(machine, p, a) && !p.PageMap(a).Present);
        Assert.Equal(62, machine.Physical.DeviceFreePages);
        machine.CheckInvariants();
        Assert.Equal(7, p.ReadByte(a)); // migrate_to_ram(), then the read
        var back = p.PageMap(a);
        Assert.True(back.Present && back.AnonExclusive && !machine.Physical.IsZoneDevice(back.Pfn));
        p.WriteByte(a, 9); // still exclusive: written in place
        Assert.Equal(back.Pfn, p.PageMap(a).Pfn);
        Assert.True(InDevice(machine, p, a + Page));
        machine.CheckInvariants();
        machine.AssertCleanAfterExit(free);
        Assert.Equal(64, machine.Physical.DeviceFreePages);
    }

    [Fact]
    public void Fork_shares_a_device_page_read_only_and_each_side_gets_its_own_copy_on_write()
    {
        using var machine = WithDevice();
        long free = machine.Stats.FreePages;
        var (parent, a) = OnePageInDevice(machine, 1);

        var child = parent.Fork();

        Assert.True(InDevice(machine, parent, a) && InDevice(machine, child, a));
        machine.CheckInvariants(); // the parent's entry is no longer writable, the page no longer exclusive
        child.WriteByte(a, 2);
        Assert.Equal(1, parent.ReadByte(a));
        Assert.Equal(2, child.ReadByte(a));
        Assert.NotEqual(parent.PageMap(a).Pfn, child.PageMap(a).Pfn);
        machine.CheckInvariants();
        child.Exit();
        parent.WriteByte(a, 3);
        Assert.True(parent.PageMap(a).AnonExclusive);
        machine.AssertCleanAfterExit(free);
        Assert.Equal(64, machine.Physical.DeviceFreePages);
    }

    [Fact]
    public void A_pin_brings_the_page_back_first_and_a_pinned_page_refuses_to_move()
    {
        using var machine = WithDevice();
        var (p, a) = OnePageInDevice(machine, 5);

        var pin = p.PinUserPages(a, 1, GupFlags.Write | GupFlags.Longterm);

        Assert.True(p.PageMap(a).Present && !machine.Physical.IsZoneDevice(p.PageMap(a).Pfn));
        Assert.Equal(new[] { -(int)Errno.EBUSY }, p.MigrateToDevice(a, 1));
        pin.Write(0, 0, [6]);
        Assert.Equal(6, p.ReadByte(a));
        machine.CheckInvariants();
        pin.Release();
    }

    [Fact]
    public void Mprotect_read_only_keeps_the_page_in_the_device_and_it_comes_back_read_only()
    {
        using var machine = WithDevice();
        var (p, a) = OnePageInDevice(machine, 4);

        p.Mprotect(a, Page, Prot.Read);

        machine.CheckInvariants();
        Assert.Equal(4, p.ReadByte(a));
        Assert.Throws<SegmentationFaultException>(() => p.WriteByte(a, 1));
        p.Mprotect(a, Page, Prot.Read | Prot.Write);
        p.WriteByte(a, 1);
        Assert.Equal(1, p.ReadByte(a));
        machine.CheckInvariants();
    }

    [Fact]
    public void Bad_and_unmovable_pages_get_their_errno_and_a_full_device_ENOMEM()
    {
        using var machine = new Machine(new MachineOptions { MemoryBytes = 16L << 20, DevicePrivateBytes = 2 * 4096, DebugVm = true });
        long free = machine.Stats.FreePages;
        var p = machine.CreateProcess();
        ulong a = p.MapAnon(4);
        p.WriteByte(a, 1);
        p.WriteByte(a + Page, 1);
        p.WriteByte(a + 2 * Page, 1);

        var status = p.MigrateToDevice(a, 5); // the fifth page lies beyond the area

        Assert.Equal(new[] { 0, 0, -(int)Errno.ENOMEM, -(int)Errno.ENOENT, -(int)Errno.EFAULT }, status);
        Assert.Equal(1, p.ReadByte(a + 2 * Page));
        Assert.Equal(Errno.EINVAL, Assert.Throws<MmException>(() => p.MigrateToDevice(a, 0)).Errno);
        machine.CheckInvariants();
        machine.AssertCleanAfterExit(free);
        Assert.Equal(2, machine.Physical.DeviceFreePages);
    }

    [Fact]
    public void Munmap_of_a_device_page_gives_it_back_to_the_device()
    {
        using var machine = WithDevice();
        var (p, a) = OnePageInDevice(machine, 1);

        p.Munmap(a, Page);

        Assert.Equal(64, machine.Physical.DeviceFreePages);
        Assert.Equal(0, machine.Stats.AnonPages);
        machine.CheckInvariants();
    }

    [Fact]
    public void Device_memory_that_leaves_no_normal_memory_is_EINVAL()
    {
        var error = Assert.Throws<MmException>(() => new Machine(new MachineOptions { MemoryBytes = 16L << 20, DevicePrivateBytes = 16L << 20 }));

        Assert.Equal(Errno.EINVAL, error.Errno);
    }
}
