using System;
using MmSim.Gup;
using MmSim.PageFlags;
using MmSim.Physical;
using Xunit;

namespace MmSim.Tests.Physical;

/// <summary>Compound pages: head, tails, page[1] fields, refcount and pin accounting.</summary>
public class FolioTests
{
    [Fact]
    public void A_small_folio_is_its_own_head()
    {
        var folio = TestMemory.Create().Alloc();

        Assert.False(folio.IsLarge);
        Assert.Equal(0, folio.Order);
        Assert.Equal(1, folio.NrPages);
        Assert.False(folio.Head.IsCompound);
        Assert.Equal(folio, folio.Head.Folio);
        Assert.Equal(1, folio.RefCount);
        Assert.Null(folio.Dtor);
    }

    [Fact]
    public void Tails_point_at_the_head()
    {
        var folio = TestMemory.Create().Alloc(order: 9, CompoundDtor.TransHuge);

        Assert.True(folio.IsLarge && folio.IsTransHuge);
        Assert.Equal(9, folio.Order);
        Assert.Equal(512, folio.NrPages);
        Assert.True(folio.Head.IsHead);
        Assert.False(folio.Head.IsTail);
        for (int i = 1; i < 512; i++)
        {
            var tail = folio.Page(i);
            Assert.True(tail.IsTail);
            Assert.False(tail.IsHead);
            Assert.Equal(folio.Head, tail.CompoundHead);
            Assert.Equal(folio, tail.Folio);
            Assert.Equal(folio.Head.Pfn + i, tail.Pfn);
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => folio.Page(512));
    }

    [Fact]
    public void Refcount_lives_on_the_head()
    {
        var folio = TestMemory.Create().Alloc(order: 2);

        folio.Get();

        Assert.Equal(2, folio.RefCount);
        Assert.Equal(2, folio.Page(3).RefCount);
        folio.Put();
        Assert.Equal(1, folio.Page(3).RefCount);
    }

    [Fact]
    public void Maybe_pinned_is_exact_for_large_folios_and_biased_for_small_ones()
    {
        var memory = TestMemory.Create();
        var small = memory.Alloc();
        var large = memory.Alloc(order: 2);

        small.RefAdd(PinCounting.Bias - 2);
        Assert.False(small.MaybeDmaPinned); // 1023 references
        small.Get();
        Assert.True(small.MaybeDmaPinned);  // 1024: a pin, or a false positive the kernel accepts

        large.RefAdd(5000);
        Assert.False(large.MaybeDmaPinned); // references are not pins on a large folio
        large.AddPincount(1);
        Assert.True(large.MaybeDmaPinned);
        Assert.Equal(1, large.Pincount);
    }

    [Fact]
    public void Entire_mapcount_counts_into_every_subpage()
    {
        var folio = TestMemory.Create().AllocAnon(order: 9, CompoundDtor.TransHuge);

        folio.AddEntireMapcount(1, mmId: 1);

        Assert.Equal(1, folio.EntireMapcount);
        Assert.Equal(1, folio.Page(100).MapCount);
        folio.AddEntireMapcount(-1, mmId: 1);
        Assert.Equal(0, folio.Page(100).MapCount);
    }

    [Fact]
    public void Get_on_a_freed_folio_is_a_bug_and_changes_nothing()
    {
        var memory = TestMemory.Create();
        var folio = memory.Alloc();
        folio.Put();
        long free = memory.FreePages;

        Assert.Throws<MmSim.Diagnostics.MmBugException>(folio.Get);

        Assert.Equal(0, folio.RefCount);
        Assert.Equal(free, memory.FreePages);
    }
}
