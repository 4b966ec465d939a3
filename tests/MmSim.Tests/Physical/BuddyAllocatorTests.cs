using System.Collections.Generic;
using MmSim.Physical;
using Xunit;

namespace MmSim.Tests.Physical;

/// <summary>Split on allocation and merge on free, as mm/page_alloc.c does.</summary>
public class BuddyAllocatorTests
{
    [Fact]
    public void Boot_memory_sits_in_maximal_blocks_beside_the_zero_page()
    {
        var memory = TestMemory.Create(); // 4096 frames, pfn 0 is the zero page

        Assert.Equal(4095, memory.FreePages);
        Assert.Equal(3, memory.FreeBlocks(10)); // 1024..4095
        for (int order = 0; order < 10; order++)
            Assert.Equal(1, memory.FreeBlocks(order)); // 1, 2, 4, ..., 512
    }

    [Fact]
    public void An_allocation_splits_the_smallest_block_that_fits()
    {
        var memory = TestMemory.Create(); // after boot, orders 0..9 have one block each
        var first = memory.Alloc(order: 0); // takes the order-0 block at pfn 1
        Assert.Equal(1, first.Head.Pfn);

        var second = memory.Alloc(order: 0); // splits the order-1 block at pfn 2 (expand)

        Assert.Equal(2, second.Head.Pfn);
        Assert.Equal(1, memory.FreeBlocks(0)); // pfn 3, the other half
        Assert.Equal(0, memory.FreeBlocks(1));
        Assert.Equal(4093, memory.FreePages);
    }

    [Fact]
    public void Freeing_merges_with_free_buddies_back_to_the_original_blocks()
    {
        var memory = TestMemory.Create();
        var before = BuddyInfo(memory);
        var folios = new List<MmSim.PageFlags.Folio>();
        for (int i = 0; i < 300; i++)
            folios.Add(memory.Alloc(order: i % 4));

        Assert.NotEqual(before, BuddyInfo(memory));
        foreach (var folio in folios)
            folio.Put();

        Assert.Equal(before, BuddyInfo(memory));
        Assert.Equal(4095, memory.FreePages);
    }

    [Fact]
    public void A_block_merges_only_once_its_buddy_is_free()
    {
        var memory = TestMemory.Create();
        var one = memory.Alloc();   // pfn 1
        var two = memory.Alloc();   // pfn 2, splitting the order-1 block at 2
        var three = memory.Alloc(); // pfn 3
        Assert.Equal(new long[] { 1, 2, 3 }, new[] { one.Head.Pfn, two.Head.Pfn, three.Head.Pfn });
        Assert.Equal(0, memory.FreeBlocks(0));

        two.Put(); // buddy pfn 3 is in use: stays an order-0 block
        Assert.Equal(1, memory.FreeBlocks(0));
        Assert.Equal(0, memory.FreeBlocks(1));

        three.Put(); // merges with pfn 2 into an order-1 block; its buddy (pfn 0, the zero page) is not free
        Assert.Equal(0, memory.FreeBlocks(0));
        Assert.Equal(1, memory.FreeBlocks(1));
        Assert.True(memory.PfnToPage(2).IsBuddy);
        Assert.False(memory.PfnToPage(3).IsBuddy);
    }

    [Fact]
    public void Running_out_returns_no_folio_and_leaves_the_allocator_intact()
    {
        var memory = TestMemory.Create(1L << 20); // 256 frames
        var taken = new List<MmSim.PageFlags.Folio>();
        while (memory.AllocFolio(0) is { } folio)
            taken.Add(folio);

        Assert.Equal(255, taken.Count);
        Assert.Equal(0, memory.FreePages);
        Assert.Null(memory.AllocFolio(3));

        foreach (var folio in taken)
            folio.Put();
        Assert.Equal(255, memory.FreePages);
        Assert.NotNull(memory.AllocFolio(7));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(11)]
    public void An_order_outside_0_to_10_is_EINVAL(int order)
    {
        var memory = TestMemory.Create();

        var error = Assert.Throws<MmException>(() => memory.AllocFolio(order));

        Assert.Equal(Errno.EINVAL, error.Errno);
        Assert.Contains("MAX_ORDER", error.Message);
        Assert.Equal(4095, memory.FreePages);
    }

    [Fact]
    public void Free_blocks_are_buddy_pages_with_their_order_in_private()
    {
        var memory = TestMemory.Create();

        var block = memory.PfnToPage(1024);

        Assert.True(block.IsBuddy);
        Assert.Equal(10UL, memory.Map.Private[1024]);
        Assert.Equal(0, block.MapCount); // page_type overlays _mapcount; not a mapping count
        var folio = memory.Alloc(order: 10);
        Assert.False(folio.Head.IsBuddy);
    }

    private static string BuddyInfo(PhysicalMemory memory)
    {
        var counts = new long[PhysicalMemory.MaxAllocOrder + 1];
        for (int order = 0; order < counts.Length; order++)
            counts[order] = memory.FreeBlocks(order);
        return string.Join(",", counts);
    }
}
