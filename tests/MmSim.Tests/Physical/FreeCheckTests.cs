using MmSim.Diagnostics;
using MmSim.PageFlags;
using MmSim.Physical;
using Xunit;

namespace MmSim.Tests.Physical;

/// <summary>free_pages_prepare() and check_new_pages(): what a freed or new page must look like.</summary>
public class FreeCheckTests
{
    [Fact]
    public void Freeing_drops_anon_exclusive_and_the_anon_mapping()
    {
        var memory = TestMemory.Create();
        var folio = memory.AllocAnon();
        long pfn = folio.Head.Pfn;
        folio.Head.SetAnonExclusive();

        folio.Put();

        var page = memory.PfnToPage(pfn);
        Assert.Equal(0UL, page.RawFlags & PageFlagBit.AnonExclusive.Mask());
        Assert.False(page.IsAnon);
        var again = memory.Alloc();
        Assert.Equal(pfn, again.Head.Pfn);
        Assert.Equal(0UL, again.Head.RawFlags);
    }

    [Fact]
    public void Freeing_a_thp_clears_every_subpage_and_tears_the_compound_down()
    {
        var memory = TestMemory.Create();
        var folio = memory.AllocAnon(order: 9, CompoundDtor.TransHuge);
        long head = folio.Head.Pfn;
        for (int i = 0; i < 512; i++)
            folio.Page(i).SetAnonExclusive();
        folio.Page(1).Set(PG.Dirty); // PF_HEAD: lands on the head

        folio.Put();

        for (int i = 0; i < 512; i++)
        {
            var page = memory.PfnToPage(head + i);
            Assert.False(page.IsCompound);
            Assert.Equal(0UL, page.RawFlags & PageFlagBit.AnonExclusive.Mask());
        }
        Assert.Equal(4095, memory.FreePages);
    }

    [Fact]
    public void Hwpoison_survives_free()
    {
        var memory = TestMemory.Create();
        var folio = memory.Alloc();
        folio.Head.Set(PG.HwPoison);

        folio.Put();

        Assert.NotEqual(0UL, memory.PfnToPage(folio.Head.Pfn).RawFlags & PageFlagBit.HwPoison.Mask());
    }

    [Fact]
    public void Double_free_is_refused()
    {
        var memory = TestMemory.Create();
        var folio = memory.Alloc();
        folio.Put();
        long free = memory.FreePages;

        var bug = Assert.Throws<MmBugException>(folio.Put);

        Assert.Contains("double free", bug.Reason);
        Assert.Equal(free, memory.FreePages);
        Assert.Equal(0, folio.RefCount);
    }

    [Fact]
    public void Freeing_a_page_that_is_still_mapped_is_a_bad_page_and_changes_nothing()
    {
        var memory = TestMemory.Create();
        var folio = memory.AllocAnon();
        memory.Map.MapCount[folio.Head.Pfn] = 0; // one PTE maps it
        long free = memory.FreePages;

        var bug = Assert.Throws<MmBugException>(folio.Put);

        Assert.Equal("bad page: nonzero mapcount", bug.Reason);
        Assert.Equal(1, folio.RefCount);
        Assert.Equal(free, memory.FreePages);
        Assert.True(folio.IsAnon);
    }

    [Fact]
    public void Freeing_a_large_folio_that_is_still_pinned_is_a_bad_page()
    {
        var memory = TestMemory.Create();
        var folio = memory.AllocAnon(order: 2);
        folio.AddPincount(1); // a pin whose reference was dropped with put instead of unpin
        long free = memory.FreePages;

        var bug = Assert.Throws<MmBugException>(folio.Put);

        Assert.Equal("bad page: nonzero compound_pincount", bug.Reason);
        Assert.Equal(free, memory.FreePages);
        Assert.True(folio.MaybeDmaPinned);
    }

    [Fact]
    public void A_small_pinned_folio_is_not_freed_by_a_put()
    {
        var memory = TestMemory.Create();
        var folio = memory.AllocAnon();
        folio.RefAdd(MmSim.Gup.PinCounting.Bias); // FOLL_PIN
        long free = memory.FreePages;

        folio.Put(); // the mapping's reference goes; the pin keeps the page

        Assert.Equal(free, memory.FreePages);
        Assert.True(folio.MaybeDmaPinned);
    }

    [Fact]
    public void Freeing_a_locked_page_is_a_bad_page()
    {
        var memory = TestMemory.Create();
        var folio = memory.AllocFile();
        folio.SetMapping(PageMapping.None);
        folio.Set(PG.Locked);

        var bug = Assert.Throws<MmBugException>(folio.Put);

        Assert.Equal("bad page: PAGE_FLAGS_CHECK_AT_FREE flag set", bug.Reason);
        Assert.Contains("locked", bug.Dump);
    }

    [Fact]
    public void Freeing_a_page_cache_page_still_in_its_mapping_is_a_bad_page()
    {
        var memory = TestMemory.Create();
        var folio = memory.AllocFile();

        var bug = Assert.Throws<MmBugException>(folio.Put);

        Assert.Equal("bad page: non-NULL mapping", bug.Reason);
    }

    [Fact]
    public void A_corrupted_free_page_is_caught_at_allocation()
    {
        var memory = TestMemory.Create();
        memory.Map.Flags[1] |= PageFlagBit.Dirty.Mask(); // pfn 1 is the order-0 free block

        var bug = Assert.Throws<MmBugException>(() => memory.AllocFolio(0));

        Assert.Contains("PAGE_FLAGS_CHECK_AT_PREP", bug.Reason);
        Assert.Equal(1, bug.Pfn);
    }

    [Fact]
    public void The_zero_page_is_reserved_and_never_freed_or_written()
    {
        var memory = TestMemory.Create();
        var zero = memory.ZeroPage;

        Assert.True(zero.Test(PG.Reserved));
        Assert.True(zero.IsZeroPage);
        Assert.Throws<MmBugException>(() => zero.WriteContents(0, new byte[] { 1 }));
        zero.Folio.Get();
        Assert.Throws<MmBugException>(() => zero.Folio.RefSub(2));
        Assert.Equal(2, zero.RefCount);
    }
}
