using System.Linq;
using MmSim.Diagnostics;
using MmSim.PageFlags;
using Xunit;

namespace MmSim.Tests.PageFlags;

/// <summary>The PF_* policies decide which page holds a flag and which accesses are bugs.</summary>
public class FlagPolicyTests
{
    public static TheoryData<string> AllFlags() => new(PG.All.Select(f => f.KernelName));

    private static PageFlag Flag(string kernelName) => PG.All.Single(f => f.KernelName == kernelName);

    [Theory]
    [MemberData(nameof(AllFlags))]
    public void Every_flag_sets_tests_and_clears_on_a_small_page(string kernelName)
    {
        var flag = Flag(kernelName);
        var page = TestMemory.Create().AllocFile().Head;
        if (flag.Policy == FlagPolicy.Second)
        {
            Assert.Throws<MmBugException>(() => page.Set(flag)); // PF_SECOND needs a large folio
            return;
        }

        Assert.False(page.Test(flag));
        page.Set(flag);
        Assert.True(page.Test(flag));
        Assert.Equal(flag.Mask, page.RawFlags & flag.Mask);
        Assert.True(page.TestAndClear(flag));
        Assert.False(page.Test(flag));
        Assert.False(page.TestAndSet(flag));
        Assert.True(page.Test(flag));
        page.Clear(flag);
        Assert.Equal(0UL, page.RawFlags & flag.Mask);
    }

    [Theory]
    [MemberData(nameof(AllFlags))]
    public void Every_flag_follows_its_policy_on_a_tail_page(string kernelName)
    {
        var flag = Flag(kernelName);
        var folio = TestMemory.Create().AllocFile(order: 2);
        var tail = folio.Page(2);

        switch (flag.Policy)
        {
            case FlagPolicy.Any:
                tail.Set(flag);
                Assert.Equal(flag.Mask, tail.RawFlags & flag.Mask);
                Assert.Equal(0UL, folio.Head.RawFlags & flag.Mask);
                break;
            case FlagPolicy.Head:
                tail.Set(flag);
                Assert.Equal(0UL, tail.RawFlags & flag.Mask);
                Assert.True(folio.Head.Test(flag));
                Assert.True(tail.Test(flag));
                break;
            case FlagPolicy.OnlyHead:
                Assert.Throws<MmBugException>(() => tail.Test(flag));
                Assert.Throws<MmBugException>(() => tail.Set(flag));
                break;
            case FlagPolicy.NoTail:
                Assert.Throws<MmBugException>(() => tail.Set(flag));
                Assert.Equal(0UL, tail.RawFlags & flag.Mask);
                folio.Head.Set(flag);
                Assert.True(tail.Test(flag)); // a test through a tail reads the head
                break;
            case FlagPolicy.NoCompound:
                Assert.Throws<MmBugException>(() => tail.Set(flag));
                Assert.Throws<MmBugException>(() => folio.Head.Set(flag));
                Assert.False(tail.Test(flag)); // tests are not enforced
                break;
            case FlagPolicy.Second:
                Assert.Throws<MmBugException>(() => tail.Set(flag));
                folio.Head.Set(flag);
                Assert.Equal(flag.Mask, folio.Page(1).RawFlags & flag.Mask);
                break;
        }
    }

    [Fact]
    public void A_policy_violation_names_the_page_the_flag_and_the_rule()
    {
        var folio = TestMemory.Create().AllocFile(order: 1);

        var bug = Assert.Throws<MmBugException>(() => folio.Page(1).Set(PG.Locked));

        Assert.Equal(folio.Page(1).Pfn, bug.Pfn);
        Assert.Contains("PF_NO_TAIL", bug.Reason);
        Assert.Contains("PG_locked", bug.Reason);
        Assert.Contains("flags: 0x", bug.Dump);
        Assert.Contains($"head:pfn=0x{folio.Head.Pfn:x} order:1", bug.Dump);
    }

    [Fact]
    public void Mappedtodisk_refuses_anonymous_pages()
    {
        var folio = TestMemory.Create().AllocAnon();
        folio.Head.SetAnonExclusive();

        var test = Assert.Throws<MmBugException>(() => folio.Head.Test(PG.MappedToDisk));
        Assert.Throws<MmBugException>(() => folio.Head.Set(PG.MappedToDisk));
        Assert.Throws<MmBugException>(() => folio.Head.Clear(PG.MappedToDisk));

        Assert.Contains("PG_anon_exclusive", test.Reason);
        Assert.True(folio.Head.IsAnonExclusive); // the refused clear left the bit alone
    }

    [Fact]
    public void Checked_refuses_anonymous_pages()
    {
        var page = TestMemory.Create().AllocAnon().Head;

        Assert.Throws<MmBugException>(() => page.Set(PG.Checked));
    }

    [Fact]
    public void Mappedtodisk_through_a_file_tail_reads_the_head()
    {
        var folio = TestMemory.Create().AllocFile(order: 2);
        folio.Head.Set(PG.MappedToDisk);

        Assert.True(folio.Page(3).Test(PG.MappedToDisk));
        Assert.Throws<MmBugException>(() => folio.Page(3).Clear(PG.MappedToDisk));
    }
}
