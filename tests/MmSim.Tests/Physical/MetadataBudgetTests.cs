using System;
using MmSim.Physical;
using Xunit;

namespace MmSim.Tests.Physical;

/// <summary>At most 64 bytes of host metadata per simulated 4 KiB frame, like struct page.</summary>
public class MetadataBudgetTests
{
    [Fact]
    public void The_memmap_layout_fits_the_budget()
    {
        Assert.True(PhysicalMemory.MetadataBytesPerFrame <= 64, $"{PhysicalMemory.MetadataBytesPerFrame} bytes per frame");
    }

    [Fact]
    public void A_1_GiB_machine_allocates_at_most_64_bytes_per_frame()
    {
        const long bytes = 1L << 30;
        long before = GC.GetAllocatedBytesForCurrentThread();

        var memory = new PhysicalMemory(bytes);

        long perFrame = (GC.GetAllocatedBytesForCurrentThread() - before) / memory.TotalPages;
        Assert.Equal(262144, memory.TotalPages);
        Assert.True(perFrame <= 64, $"{perFrame} bytes per frame");
        Assert.True(perFrame >= PhysicalMemory.MetadataBytesPerFrame - 1, $"{perFrame} bytes per frame: the measurement missed the memmap");
        GC.KeepAlive(memory);
    }

    [Fact]
    public void Page_contents_are_allocated_only_on_first_write()
    {
        var memory = new PhysicalMemory(64L << 20);
        var folio = memory.AllocFolio(0)!.Value;
        long before = GC.GetAllocatedBytesForCurrentThread();

        Span<byte> buffer = stackalloc byte[16];
        folio.Head.ReadContents(0, buffer);
        long afterRead = GC.GetAllocatedBytesForCurrentThread();
        folio.Head.WriteContents(0, buffer);
        long afterWrite = GC.GetAllocatedBytesForCurrentThread();

        Assert.Equal(before, afterRead);
        Assert.True(afterWrite - afterRead >= PhysicalMemory.PageSize);
    }
}
