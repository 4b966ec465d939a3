using Xunit;
using static MmSim.Tests.Vm.TestMachine;

namespace MmSim.Tests.Vm;

/// <summary>MADV_HWPOISON: hwpoison entries, SIGBUS and EHWPOISON, fork copying the entries as they are.</summary>
public class MemoryFailureTests
{
    [Fact]
    public void A_poisoned_page_is_unmapped_and_accesses_get_sigbus()
    {
        using var machine = Create();
        var p = machine.CreateProcess();
        ulong a = p.MapAnon(2);
        p.Write(a, new byte[2 * Page]);
        long pfn = p.PageMap(a).Pfn;

        p.Madvise(a, Page, Advice.HwPoison);

        Assert.False(p.PageMap(a).Present);
        var bus = Assert.Throws<BusErrorException>(() => p.ReadByte(a));
        Assert.Equal(Errno.EHWPOISON, bus.Errno);
        Assert.Equal(Errno.EHWPOISON, Assert.Throws<MmException>(() => p.PinUserPages(a, 1, GupFlags.None)).Errno);
        Assert.True(p.PageMap(a + Page).Present); // the neighbour is untouched
        Assert.True(machine.Physical.PfnToPage(pfn).Test(MmSim.PageFlags.PG.HwPoison));
        machine.CheckInvariants();
    }

    [Fact]
    public void Fork_copies_hwpoison_entries_and_zap_drops_them()
    {
        using var machine = Create();
        var parent = machine.CreateProcess();
        ulong a = parent.MapAnon(1);
        parent.WriteByte(a, 1);
        parent.Madvise(a, Page, Advice.HwPoison);

        var child = parent.Fork();

        Assert.Throws<BusErrorException>(() => child.ReadByte(a));
        machine.CheckInvariants();
        child.Munmap(a, Page);
        parent.Madvise(a, Page, Advice.DontNeed);
        Assert.Equal(0, parent.ReadByte(a)); // a fresh page after the entry was zapped
        machine.CheckInvariants();
    }

    [Fact]
    public void A_thp_that_cannot_be_split_is_marked_and_busy()
    {
        using var machine = Create(memory: 32L << 20);
        var p = machine.CreateProcess();
        ulong a = p.Mmap(0, 2 << 20, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Anonymous);
        p.Madvise(a, 2 << 20, Advice.HugePage);
        p.WriteByte(a, 1);

        var error = Assert.Throws<MmException>(() => p.Madvise(a + 3 * Page, Page, Advice.HwPoison));

        Assert.Equal(Errno.EBUSY, error.Errno);
        var head = machine.Physical.PfnToPage(p.PageMap(a).Pfn);
        Assert.True(head.Test(MmSim.PageFlags.PG.HasHwPoisoned));
        Assert.True(p.PageMap(a).Present);
        machine.CheckInvariants();
    }
}
