using System;
using MmSim.Tests.Vm;
using Xunit;
using static MmSim.Tests.Vm.TestMachine;

namespace MmSim.Tests.Gup;

/// <summary>get_user_pages / pin_user_pages: references, pins, unsharing, FOLL_FORCE and the notes of API.md.</summary>
public class GupTests
{
    [Fact]
    public void A_pin_is_counted_and_a_get_is_not()
    {
        using var machine = Create();
        var p = machine.CreateProcess();
        ulong a = p.MapAnon(2);
        p.Write(a, new byte[2 * Page]);

        using var get = p.GetUserPages(a, 1, GupFlags.None);
        Assert.False(p.PageMap(a).MaybePinned);
        using var pin = p.PinUserPages(a + Page, 1, GupFlags.Write);

        Assert.True(p.PageMap(a + Page).MaybePinned);
        Assert.Equal(1, machine.Stats.PinnedPages);
        machine.CheckInvariants();
        pin.Release();
        Assert.Equal(0, machine.Stats.PinnedPages);
        Assert.False(p.PageMap(a + Page).MaybePinned);
    }

    [Fact]
    public void A_device_sees_the_pinned_frame_both_ways()
    {
        using var machine = Create();
        var p = machine.CreateProcess();
        ulong a = p.MapAnon(1);
        p.WriteByte(a + 5, 42);

        using var pin = p.PinUserPages(a, 1, GupFlags.Write | GupFlags.Longterm);
        var buffer = new byte[1];
        pin.Read(0, 5, buffer);
        Assert.Equal(42, buffer[0]);
        pin.Write(0, 6, new byte[] { 43 }); // DMA into the page
        Assert.Equal(43, p.ReadByte(a + 6));
    }

    [Fact]
    public void An_unmapped_or_inaccessible_page_is_EFAULT_and_nothing_stays_pinned()
    {
        using var machine = Create();
        var p = machine.CreateProcess();
        ulong a = p.MapAnon(2);
        p.Write(a, new byte[2 * Page]);
        ulong ro = p.MapAnon(1, Prot.Read);
        ulong none = p.MapAnon(1, Prot.None);

        Assert.Equal(Errno.EFAULT, Assert.Throws<MmException>(() => p.PinUserPages(a, 3, GupFlags.None)).Errno);
        Assert.Equal(Errno.EFAULT, Assert.Throws<MmException>(() => p.PinUserPages(ro, 1, GupFlags.Write)).Errno);
        Assert.Equal(Errno.EFAULT, Assert.Throws<MmException>(() => p.PinUserPages(none, 1, GupFlags.None)).Errno);
        Assert.Equal(Errno.EFAULT, Assert.Throws<MmException>(() => p.GetUserPages(a, 3, GupFlags.Fast)).Errno);

        Assert.Equal(0, machine.Stats.PinnedPages);
        Assert.False(p.PageMap(a).MaybePinned);
        machine.CheckInvariants(); // every reference the failed calls took was dropped
    }

    [Fact]
    public void Argument_errors()
    {
        using var machine = Create();
        var p = machine.CreateProcess();
        ulong a = p.MapAnon(1);

        Assert.Equal(Errno.EINVAL, Assert.Throws<MmException>(() => p.PinUserPages(a, 0, GupFlags.None)).Errno);
        Assert.Equal(Errno.EINVAL, Assert.Throws<MmException>(() => p.GetUserPages(a, 1, GupFlags.Longterm)).Errno);
        Assert.Equal(Errno.EFAULT, Assert.Throws<MmException>(() => p.PinUserPages(ulong.MaxValue - Page, 2, GupFlags.None)).Errno);
    }

    [Fact]
    public void The_gup_pages_object_guards_its_use()
    {
        using var machine = Create();
        var p = machine.CreateProcess();
        ulong a = p.MapAnon(1);
        var readOnly = p.PinUserPages(a, 1, GupFlags.None);

        Assert.Throws<InvalidOperationException>(() => readOnly.Write(0, 0, new byte[1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => readOnly.Read(1, 0, new byte[1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => readOnly.Read(0, 4095, new byte[2]));
        Assert.Throws<ArgumentOutOfRangeException>(() => readOnly.Read(-1, 0, new byte[1]));
        readOnly.Release();
        Assert.Throws<ObjectDisposedException>(() => readOnly.Read(0, 0, new byte[1]));
        readOnly.Dispose(); // nothing more to do
        Assert.Equal(0, machine.Stats.PinnedPages);
        machine.CheckInvariants();
    }

    [Fact]
    public void Pins_outlive_their_process()
    {
        using var machine = Create();
        long free = machine.Stats.FreePages;
        var p = machine.CreateProcess();
        ulong a = p.MapAnon(1);
        p.WriteByte(a, 77);
        var pin = p.PinUserPages(a, 1, GupFlags.Write | GupFlags.Longterm);

        p.Exit();

        Assert.Equal(1, machine.Stats.AnonPages);
        machine.CheckInvariants(); // the pinned page is accounted for by its pin alone, and still exclusive
        var buffer = new byte[1];
        pin.Read(0, 0, buffer);
        Assert.Equal(77, buffer[0]);
        pin.Release(dirty: true);
        Assert.Equal(0, machine.Stats.AnonPages);
        Assert.Equal(free, machine.Stats.FreePages);
    }

    [Fact]
    public void A_ro_pin_of_a_shared_page_unshares_it_first()
    {
        using var machine = Create();
        var p = machine.CreateProcess();
        ulong a = p.MapAnon(1);
        p.WriteByte(a, 1);
        var child = p.Fork();
        long shared = p.PageMap(a).Pfn;

        using var pin = p.PinUserPages(a, 1, GupFlags.Longterm);

        var after = p.PageMap(a);
        Assert.NotEqual(shared, after.Pfn);  // unshare copied: the child still maps the old page
        Assert.True(after.AnonExclusive && after.MaybePinned);
        Assert.Equal(shared, child.PageMap(a).Pfn);
        Assert.False(child.PageMap(a).MaybePinned);
        machine.CheckInvariants();
    }

    [Fact]
    public void Fork_copies_a_pinned_page_for_the_child()
    {
        using var machine = Create();
        var p = machine.CreateProcess();
        ulong a = p.MapAnon(1);
        p.WriteByte(a, 1);
        using var pin = p.PinUserPages(a, 1, GupFlags.Write | GupFlags.Longterm);
        long pinned = p.PageMap(a).Pfn;

        var child = p.Fork();

        Assert.Equal(pinned, p.PageMap(a).Pfn);
        Assert.True(p.PageMap(a).AnonExclusive); // the parent keeps its pinned page, exclusive
        Assert.NotEqual(pinned, child.PageMap(a).Pfn);
        Assert.True(child.PageMap(a).AnonExclusive);
        Assert.Equal(1, child.ReadByte(a));
        p.WriteByte(a, 2); // no fault-and-copy: the pin sees the write
        var buffer = new byte[1];
        pin.Read(0, 0, buffer);
        Assert.Equal(2, buffer[0]);
        machine.CheckInvariants();
    }

    [Fact]
    public void Gup_fast_takes_writable_pages_and_falls_back_for_the_rest()
    {
        using var machine = Create();
        var p = machine.CreateProcess();
        ulong a = p.MapAnon(3);
        p.WriteByte(a, 1); // page 0 present and writable; pages 1 and 2 need faults

        using var pin = p.PinUserPages(a, 3, GupFlags.Fast | GupFlags.Write);

        Assert.Equal(3, pin.Count);
        for (ulong i = 0; i < 3; i++)
            Assert.True(p.PageMap(a + i * Page).MaybePinned);
        machine.CheckInvariants();
    }

    [Fact]
    public void Foll_force_writes_a_private_read_only_mapping_through_a_copy()
    {
        using var machine = Create();
        var p = machine.CreateProcess();
        var file = machine.CreateFile("ro", new byte[Page]);
        ulong a = p.Mmap(0, Page, Prot.Read, MapFlags.Private, file);
        p.ReadByte(a);

        using var force = p.GetUserPages(a, 1, GupFlags.Write | GupFlags.Force);
        force.Write(0, 0, new byte[] { 0x66 });

        Assert.Equal(0x66, p.ReadByte(a));      // the process sees the ptrace write ...
        Assert.True(p.PageMap(a).Anon);         // ... in its own anonymous copy
        ulong other = p.Mmap(0, Page, Prot.Read, MapFlags.Shared, file);
        Assert.Equal(0, p.ReadByte(other));     // the file is untouched
        Assert.Equal(Errno.EFAULT, Assert.Throws<MmException>(() => p.GetUserPages(other, 1, GupFlags.Write | GupFlags.Force)).Errno);
        Assert.Equal(Errno.EFAULT, Assert.Throws<MmException>(() => p.GetUserPages(a, 1, GupFlags.Write)).Errno);
    }

    [Fact]
    public void Foll_force_writes_a_private_prot_none_page_through_a_copy_that_stays_inaccessible()
    {
        using var machine = Create();
        var parent = machine.CreateProcess();
        ulong a = parent.MapAnon(2);
        parent.WriteByte(a, 1);
        var child = parent.Fork();
        parent.Mprotect(a, 2 * Page, Prot.None);

        // check_vma_flags() lets FOLL_FORCE through (VM_MAYREAD, a COW mapping); do_wp_page() copies
        foreach (ulong page in new[] { a, a + Page }) // a shared page, then one never faulted in
        {
            using (var force = parent.GetUserPages(page, 1, GupFlags.Write | GupFlags.Force))
                force.Write(0, 0, new byte[] { 0x42 });
        }

        Assert.Equal(1, child.ReadByte(a));
        Assert.True(parent.PageMap(a).AnonExclusive && parent.PageMap(a + Page).AnonExclusive);
        Assert.Throws<SegmentationFaultException>(() => parent.ReadByte(a));
        Assert.Throws<SegmentationFaultException>(() => parent.ReadByte(a + Page));
        parent.Mprotect(a, 2 * Page, Prot.Read);
        Assert.Equal(0x42, parent.ReadByte(a));
        Assert.Equal(0x42, parent.ReadByte(a + Page));
        machine.CheckInvariants();
    }

    [Theory]
    [InlineData(CowSemantics.RefcountReuse)]
    [InlineData(CowSemantics.MapcountReuse)]
    public void Older_generations_do_not_unshare_ro_pins(CowSemantics semantics)
    {
        using var machine = Create(semantics);
        var p = machine.CreateProcess();
        ulong a = p.MapAnon(1);
        p.WriteByte(a, 1);
        var child = p.Fork();
        long shared = p.PageMap(a).Pfn;

        using var pin = p.PinUserPages(a, 1, GupFlags.Longterm);

        Assert.Equal(shared, p.PageMap(a).Pfn);
        Assert.Equal(shared, child.PageMap(a).Pfn);
        machine.CheckInvariants();
    }
}
