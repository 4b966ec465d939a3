using MmSim.Diagnostics;
using MmSim.PageFlags;
using MmSim.Physical;
using Xunit;

namespace MmSim.Tests.PageFlags;

/// <summary>PageAnonExclusive() and friends with the preconditions of Linux 6.1.</summary>
public class AnonExclusiveAccessorTests
{
    [Fact]
    public void Set_test_and_clear_on_an_anonymous_page()
    {
        var page = TestMemory.Create().AllocAnon().Head;

        Assert.False(page.IsAnonExclusive);
        page.SetAnonExclusive();
        Assert.True(page.IsAnonExclusive);
        page.ClearAnonExclusive();
        Assert.False(page.IsAnonExclusive);
    }

    [Fact]
    public void The_flag_is_per_subpage_of_a_thp()
    {
        var folio = TestMemory.Create().AllocAnon(order: 9, CompoundDtor.TransHuge);

        folio.Page(5).SetAnonExclusive();

        Assert.True(folio.Page(5).IsAnonExclusive);
        Assert.False(folio.Head.IsAnonExclusive);
        Assert.False(folio.Page(6).IsAnonExclusive);
    }

    [Fact]
    public void Every_accessor_refuses_a_page_that_is_not_anonymous()
    {
        var page = TestMemory.Create().AllocFile().Head;

        Assert.Throws<MmBugException>(() => page.IsAnonExclusive);
        Assert.Throws<MmBugException>(page.SetAnonExclusive);
        Assert.Throws<MmBugException>(page.ClearAnonExclusive);
    }

    [Fact]
    public void The_zero_page_is_not_anonymous()
    {
        var memory = TestMemory.Create();

        var bug = Assert.Throws<MmBugException>(() => memory.ZeroPage.IsAnonExclusive);
        Assert.Contains("not anonymous", bug.Reason);
    }

    [Fact]
    public void A_ksm_page_tests_false_but_can_be_neither_set_nor_cleared()
    {
        var folio = TestMemory.Create().Alloc();
        folio.SetMapping(PageMapping.Ksm(4));

        Assert.True(folio.Head.IsAnon);
        Assert.False(folio.Head.IsAnonExclusive); // gup_must_unshare() relies on this
        Assert.Throws<MmBugException>(folio.Head.SetAnonExclusive);
        Assert.Throws<MmBugException>(folio.Head.ClearAnonExclusive);
    }

    [Fact]
    public void Hugetlb_keeps_the_flag_on_the_head_only()
    {
        var folio = TestMemory.Create().AllocAnon(order: 9, CompoundDtor.Hugetlb);

        folio.Head.SetAnonExclusive();

        Assert.True(folio.Head.IsAnonExclusive);
        Assert.Throws<MmBugException>(() => folio.Page(1).IsAnonExclusive);
        Assert.Throws<MmBugException>(folio.Page(1).SetAnonExclusive);
        Assert.Throws<MmBugException>(folio.Page(1).ClearAnonExclusive);
    }

    [Fact]
    public void The_free_path_clear_needs_refcount_zero()
    {
        var page = TestMemory.Create().AllocAnon().Head;
        page.SetAnonExclusive();

        Assert.Throws<MmBugException>(page.ClearAnonExclusiveForFree);
        Assert.True(page.IsAnonExclusive);
    }
}
