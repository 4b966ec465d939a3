using System.Collections.Generic;
using Xunit;
using static MmSim.Tests.Vm.TestMachine;

namespace MmSim.Tests.Vm;

/// <summary>Without swap, running out of memory is ENOMEM for the faulting call; no OOM kill, nothing leaked.</summary>
public class OutOfMemoryTests
{
    [Fact]
    public void A_write_that_finds_no_free_page_is_ENOMEM_and_the_process_goes_on()
    {
        using var machine = Create(memory: 1L << 20); // 256 frames
        long free = machine.Stats.FreePages;
        var p = machine.CreateProcess();
        ulong a = p.MapAnon(512);

        ulong touched = 0;
        var error = Assert.Throws<MmException>(() =>
        {
            for (; touched < 512; touched++)
                p.WriteByte(a + touched * Page, 1);
        });

        Assert.Equal(Errno.ENOMEM, error.Errno);
        Assert.True(touched > 200);
        machine.CheckInvariants();
        p.Munmap(a + Page, 511 * Page);
        ulong b = p.MapAnon(1);
        p.WriteByte(b, 3); // with memory back, the same process faults in new pages again
        Assert.Equal(3, p.ReadByte(b));
        machine.AssertCleanAfterExit(free);
    }

    [Fact]
    public void Fork_without_memory_is_ENOMEM_and_leaves_no_half_child()
    {
        using var machine = Create(memory: 1L << 20);
        long free = machine.Stats.FreePages;
        var p = machine.CreateProcess();
        ulong a = p.MapAnon(200);
        for (ulong i = 0; i < 200; i++)
            p.WriteByte(a + i * Page, 1);
        var pins = new List<GupPages>();
        var buffers = p.MapAnon(40);
        for (ulong i = 0; i < 40; i++)
        {
            p.WriteByte(buffers + i * Page, 2);
            pins.Add(p.PinUserPages(buffers + i * Page, 1, GupFlags.Write | GupFlags.Longterm));
        }

        // fork must copy the 40 pinned pages for the child, and there are not that many free frames
        long before = machine.Stats.FreePages;
        var error = Assert.Throws<MmException>(() => p.Fork());

        Assert.Equal(Errno.ENOMEM, error.Errno);
        Assert.Equal(before, machine.Stats.FreePages);
        machine.CheckInvariants();
        foreach (var pin in pins)
            pin.Release();
        machine.AssertCleanAfterExit(free);
    }
}
