using MmSim.Tests.Vm;
using Xunit;
using static MmSim.Tests.Vm.TestMachine;

namespace MmSim.Tests.Device;

/// <summary>
/// Device-exclusive entries: a device takes an exclusive anonymous page away from the CPU for atomic access;
/// the page stays in place, and a CPU access or a fork gives it back.
/// </summary>
public class DeviceExclusiveTests
{
    [Fact]
    public void The_page_stays_in_place_and_a_cpu_access_restores_it_writable_and_exclusive()
    {
        using var machine = Create();
        long free = machine.Stats.FreePages;
        var p = machine.CreateProcess();
        ulong a = p.MapAnon(1);
        p.WriteByte(a, 3);
        long pfn = p.PageMap(a).Pfn;

        Assert.Equal(new[] { 0 }, p.MakeDeviceExclusive(a, 1));

        var entry = p.PageMap(a);
        Assert.True(entry.Swapped && !entry.Present);
        Assert.Equal(pfn, entry.Pfn >> 5); // the entry names the same page
        machine.CheckInvariants();
        Assert.Equal(3, p.ReadByte(a)); // remove_device_exclusive_entry()
        var back = p.PageMap(a);
        Assert.True(back.Present && back.AnonExclusive);
        Assert.Equal(pfn, back.Pfn);
        p.WriteByte(a, 4);
        Assert.Equal(pfn, p.PageMap(a).Pfn); // writable without a copy
        machine.AssertCleanAfterExit(free);
    }

    [Fact]
    public void A_cow_shared_page_is_unshared_first_and_the_child_keeps_its_own()
    {
        using var machine = Create();
        long free = machine.Stats.FreePages;
        var parent = machine.CreateProcess();
        ulong a = parent.MapAnon(1);
        parent.WriteByte(a, 1);
        var child = parent.Fork();

        Assert.Equal(new[] { 0 }, parent.MakeDeviceExclusive(a, 1));

        machine.CheckInvariants(); // the entry holds an exclusive page: FOLL_WRITE broke COW
        Assert.NotEqual(child.PageMap(a).Pfn, parent.PageMap(a).Pfn >> 5);
        Assert.Equal(1, child.ReadByte(a));
        Assert.Equal(1, parent.ReadByte(a));
        machine.AssertCleanAfterExit(free);
    }

    [Fact]
    public void Fork_restores_the_entry_and_copies_it_as_a_present_one()
    {
        using var machine = Create();
        long free = machine.Stats.FreePages;
        var parent = machine.CreateProcess();
        ulong a = parent.MapAnon(1);
        parent.WriteByte(a, 5);
        parent.MakeDeviceExclusive(a, 1);

        var child = parent.Fork();

        Assert.True(parent.PageMap(a).Present && child.PageMap(a).Present);
        Assert.Equal(parent.PageMap(a).Pfn, child.PageMap(a).Pfn); // COW-shared like any page at fork
        machine.CheckInvariants();
        child.WriteByte(a, 6);
        Assert.Equal(5, parent.ReadByte(a));
        machine.CheckInvariants();
        machine.AssertCleanAfterExit(free);
    }

    [Fact]
    public void Mprotect_and_munmap_handle_the_entry()
    {
        using var machine = Create();
        long free = machine.Stats.FreePages;
        var p = machine.CreateProcess();
        ulong a = p.MapAnon(2);
        p.WriteByte(a, 1);
        p.WriteByte(a + Page, 2);
        p.MakeDeviceExclusive(a, 2);

        p.Mprotect(a, Page, Prot.Read);
        p.Munmap(a + Page, Page);

        machine.CheckInvariants();
        Assert.Equal(1, p.ReadByte(a));
        Assert.Throws<SegmentationFaultException>(() => p.WriteByte(a, 9));
        Assert.Equal(1, machine.Stats.AnonPages);
        machine.AssertCleanAfterExit(free);
    }

    [Fact]
    public void Areas_it_cannot_take_get_their_errno()
    {
        using var machine = Create();
        var p = machine.CreateProcess();
        ulong readOnly = p.MapAnon(1, Prot.Read);
        var memfd = machine.CreateMemfd("shared", (long)Page);
        ulong shared = p.Mmap(0, Page, Prot.Read | Prot.Write, MapFlags.Shared, memfd);

        Assert.Equal(new[] { -(int)Errno.EFAULT }, p.MakeDeviceExclusive(readOnly, 1));
        Assert.Equal(new[] { -(int)Errno.EBUSY }, p.MakeDeviceExclusive(shared, 1)); // a page-cache page
        Assert.Equal(new[] { -(int)Errno.EFAULT }, p.MakeDeviceExclusive(0x7000_0000, 1));
        Assert.Equal(Errno.EINVAL, Assert.Throws<MmException>(() => p.MakeDeviceExclusive(readOnly, 0)).Errno);
        machine.CheckInvariants();
    }
}
