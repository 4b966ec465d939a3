using System;
using MmSim.Physical;
using Xunit;

namespace MmSim.Tests.Physical;

/// <summary>Frames hold real bytes.</summary>
public class PageContentsTests
{
    [Fact]
    public void A_new_zeroed_page_reads_zeros_and_keeps_what_is_written()
    {
        var page = TestMemory.Create().Alloc().Head;
        var buffer = new byte[4];

        page.ReadContents(100, buffer);
        Assert.Equal(new byte[4], buffer);
        page.WriteContents(100, new byte[] { 1, 2, 3, 4 });
        page.ReadContents(100, buffer);
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, buffer);
    }

    [Fact]
    public void Copy_duplicates_the_whole_frame()
    {
        var memory = TestMemory.Create();
        var source = memory.Alloc().Head;
        var target = memory.Alloc().Head;
        source.WriteContents(4095, new byte[] { 0xff });
        target.WriteContents(0, new byte[] { 0x11 });

        target.CopyContentsFrom(source);

        var buffer = new byte[PhysicalMemory.PageSize];
        target.ReadContents(0, buffer);
        Assert.Equal(0, buffer[0]);
        Assert.Equal(0xff, buffer[4095]);
    }

    [Fact]
    public void A_zeroed_allocation_does_not_leak_the_previous_contents()
    {
        var memory = TestMemory.Create();
        var folio = memory.Alloc();
        folio.Head.WriteContents(0, new byte[] { 42 });
        folio.Put();

        var again = memory.AllocFolio(0, Gfp.Zero)!.Value;

        Assert.Equal(folio.Head.Pfn, again.Head.Pfn);
        var buffer = new byte[1];
        again.Head.ReadContents(0, buffer);
        Assert.Equal(0, buffer[0]);
    }

    [Theory]
    [InlineData(-1, 1)]
    [InlineData(4095, 2)]
    [InlineData(4096, 1)]
    public void Bytes_outside_the_page_are_refused(int offset, int length)
    {
        var page = TestMemory.Create().Alloc().Head;

        Assert.Throws<ArgumentOutOfRangeException>(() => page.WriteContents(offset, new byte[length]));
        Assert.Throws<ArgumentOutOfRangeException>(() => page.ReadContents(offset, new byte[length]));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(4096)]
    public void A_pfn_outside_ram_is_EINVAL(long pfn)
    {
        var memory = TestMemory.Create();

        var error = Assert.Throws<MmException>(() => memory.PfnToPage(pfn));

        Assert.Equal(Errno.EINVAL, error.Errno);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4096)]
    public void A_machine_needs_at_least_two_frames(long bytes)
    {
        Assert.Equal(Errno.EINVAL, Assert.Throws<MmException>(() => new PhysicalMemory(bytes)).Errno);
    }
}
