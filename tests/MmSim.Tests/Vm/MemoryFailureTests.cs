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
    public void A_thp_is_split_and_only_its_bad_page_is_taken_away()
    {
        using var machine = Create(memory: 32L << 20);
        var p = machine.CreateProcess();
        ulong a = p.Mmap(0, 2 << 20, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Anonymous);
        p.Madvise(a, 2 << 20, Advice.HugePage);
        var ones = new byte[2 << 20];
        System.Array.Fill(ones, (byte)1);
        p.Write(a, ones);
        Assert.True(p.PageMap(a).Thp);
        long bad = p.PageMap(a + 3 * Page).Pfn;

        p.Madvise(a + 3 * Page, Page, Advice.HwPoison); // try_to_split_thp_page(), then the order-0 path

        Assert.False(p.PageMap(a + 3 * Page).Present);
        Assert.Equal(Errno.EHWPOISON, Assert.Throws<BusErrorException>(() => p.ReadByte(a + 3 * Page)).Errno);
        Assert.True(p.PageMap(a + 4 * Page) is { Present: true, Thp: false, AnonExclusive: true });
        Assert.Equal(1, p.ReadByte(a + 4 * Page));
        Assert.True(machine.Physical.PfnToPage(bad).Test(MmSim.PageFlags.PG.HwPoison));
        Assert.Equal(0UL, machine.Physical.Map.Flags[bad - 2] & MmSim.PageFlags.PageFlagBitExtensions.Mask(MmSim.PageFlags.PageFlagBit.HasHwPoisoned)); // page[1]'s bit, cleared by the split
        machine.CheckInvariants();
    }

    [Fact]
    public void A_pinned_thp_cannot_be_split_so_it_is_marked_and_stays()
    {
        using var machine = Create(memory: 32L << 20);
        var p = machine.CreateProcess();
        ulong a = p.Mmap(0, 2 << 20, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Anonymous);
        p.Madvise(a, 2 << 20, Advice.HugePage);
        p.WriteByte(a, 1);
        using var pin = p.PinUserPages(a, 1, GupFlags.Write | GupFlags.Longterm);

        var error = Assert.Throws<MmException>(() => p.Madvise(a + 3 * Page, Page, Advice.HwPoison));

        Assert.Equal(Errno.EHWPOISON, error.Errno); // MF_MSG_UNSPLIT_THP
        var head = machine.Physical.PfnToPage(p.PageMap(a).Pfn);
        Assert.True(head.Test(MmSim.PageFlags.PG.HasHwPoisoned));
        Assert.True(p.PageMap(a).Present && p.PageMap(a).Thp);
        machine.CheckInvariants();
    }
}
