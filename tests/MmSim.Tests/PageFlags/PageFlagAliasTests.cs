using MmSim.PageFlags;
using Xunit;

namespace MmSim.Tests.PageFlags;

/// <summary>Each kernel alias is one bit, so a write through one name shows through the other.</summary>
public class PageFlagAliasTests
{
    [Theory]
    [InlineData("AnonExclusive", "MappedToDisk", 17)]
    [InlineData("SwapCache", "OwnerPriv1", 10)]
    [InlineData("Checked", "OwnerPriv1", 10)]
    [InlineData("Readahead", "Reclaim", 18)]
    [InlineData("Isolated", "Reclaim", 18)]
    [InlineData("HasHwPoisoned", "Error", 8)]
    [InlineData("DoubleMap", "Workingset", 6)]
    [InlineData("Reported", "Uptodate", 2)]
    [InlineData("FsCache", "Private2", 14)]
    public void Alias_shares_the_bit_of_the_kernel(string aliasName, string originalName, int bit)
    {
        var alias = System.Enum.Parse<PageFlagBit>(aliasName);
        var original = System.Enum.Parse<PageFlagBit>(originalName);
        Assert.Equal(original, alias);
        Assert.Equal(bit, (int)alias);
        Assert.Equal(1UL << bit, alias.Mask());
    }

    [Fact]
    public void Bit_numbers_follow_enum_pageflags_of_linux_6_1()
    {
        Assert.Equal(0, (int)PageFlagBit.Locked);
        Assert.Equal(16, (int)PageFlagBit.Head);
        Assert.Equal(17, (int)PageFlagBit.MappedToDisk);
        Assert.Equal(19, (int)PageFlagBit.SwapBacked);
        Assert.Equal(22, (int)PageFlagBit.HwPoison);
        Assert.Equal(23, PageFlagBitExtensions.NrPageFlags);
        Assert.Equal((1UL << 23) - 1, PageFlagBitExtensions.PageFlagsMask);
    }

    [Fact]
    public void Canonical_names_never_use_an_alias()
    {
        Assert.Equal("mappedtodisk", PageFlagBit.AnonExclusive.CanonicalName());
        Assert.Equal("reclaim", PageFlagBit.Readahead.CanonicalName());
        Assert.Equal("owner_priv_1", PageFlagBit.SwapCache.CanonicalName());
        Assert.Equal("error", PageFlagBit.HasHwPoisoned.CanonicalName());
    }

    [Fact]
    public void Setting_anon_exclusive_sets_the_mappedtodisk_bit()
    {
        var memory = TestMemory.Create();
        var page = memory.AllocAnon().Head;

        page.SetAnonExclusive();

        Assert.Equal(PageFlagBit.MappedToDisk.Mask(), page.RawFlags & PageFlagBit.MappedToDisk.Mask());
    }

    [Fact]
    public void A_file_page_with_mappedtodisk_reads_exclusive_once_it_is_made_anonymous()
    {
        // The misuse the always-on check in do_swap_page() exists for: a filesystem's PG_mappedtodisk
        // left on a page that becomes anon reads as PG_anon_exclusive.
        var memory = TestMemory.Create();
        var folio = memory.AllocFile();
        folio.Head.Set(PG.MappedToDisk);

        folio.SetMapping(PageMapping.Anon(3));

        Assert.True(folio.Head.IsAnonExclusive);
    }

    [Fact]
    public void Readahead_and_reclaim_are_one_bit()
    {
        var page = TestMemory.Create().AllocFile().Head;

        page.Set(PG.Readahead);

        Assert.True(page.Test(PG.Reclaim));
        Assert.True(page.Test(PG.Isolated));
        page.Clear(PG.Reclaim);
        Assert.False(page.Test(PG.Readahead));
    }

    [Fact]
    public void Checked_is_owner_priv_1_and_swapcache_needs_swapbacked()
    {
        var folio = TestMemory.Create().AllocFile();

        folio.Head.Set(PG.Checked);

        Assert.True(folio.Head.Test(PG.OwnerPriv1));
        Assert.False(folio.IsSwapCache); // PG_swapcache is the same bit, but only counts with PG_swapbacked
        folio.Set(PG.SwapBacked);
        Assert.True(folio.IsSwapCache);
    }

    [Fact]
    public void Has_hwpoisoned_lives_in_the_error_bit_of_the_second_page()
    {
        var folio = TestMemory.Create().AllocAnon(order: 2);

        folio.Head.Set(PG.HasHwPoisoned);

        Assert.Equal(0UL, folio.Head.RawFlags & PageFlagBit.Error.Mask());
        Assert.Equal(PageFlagBit.Error.Mask(), folio.Page(1).RawFlags & PageFlagBit.Error.Mask());
        Assert.True(folio.Head.Test(PG.HasHwPoisoned));
        // page[1]'s own anon-exclusive bit is untouched (the reason for the 5.19 move off PG_mappedtodisk)
        Assert.False(folio.Page(1).IsAnonExclusive);
    }
}
