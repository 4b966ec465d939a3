using MmSim.Diagnostics;
using MmSim.PageFlags;
using Xunit;

namespace MmSim.Tests.Diagnostics;

/// <summary>BUG_ON is always on; VM_BUG_ON only with CONFIG_DEBUG_VM; both dump the page.</summary>
public class MmBugTests
{
    [Fact]
    public void On_throws_with_the_reason()
    {
        var bug = Assert.Throws<MmBugException>(() => MmBug.On(true, "broken"));

        Assert.Equal("broken", bug.Reason);
        Assert.Null(bug.Pfn);
        MmBug.On(false, "not broken");
    }

    private sealed class CountsFormatting
    {
        public int Formatted { get; private set; }

        public override string ToString() => $"formatted {++Formatted}";
    }

    [Fact]
    public void An_interpolated_reason_is_formatted_only_when_the_check_fails()
    {
        var argument = new CountsFormatting();
        var page = TestMemory.Create().Alloc().Head;

        MmBug.On(false, $"never {argument}");
        MmBug.On(false, page, $"never {argument}");
        Assert.Equal(0, argument.Formatted);

        var bug = Assert.Throws<MmBugException>(() => MmBug.On(true, $"pfn 0x{page.Pfn:x}: {argument}"));
        var withPage = Assert.Throws<MmBugException>(() => MmBug.On(true, page, $"{argument}"));

        Assert.Equal($"pfn 0x{page.Pfn:x}: formatted 1", bug.Reason);
        Assert.Equal("formatted 2", withPage.Reason);
        Assert.Equal(page.Pfn, withPage.Pfn);
    }

    [Fact]
    public void VmOn_fires_only_with_debug_vm()
    {
        var page = TestMemory.Create(debugVm: false).Alloc().Head;
        var debugPage = TestMemory.Create(debugVm: true).Alloc().Head;

        MmBug.VmOn(true, page, "ignored without CONFIG_DEBUG_VM");
        var bug = Assert.Throws<MmBugException>(() => MmBug.VmOn(true, debugPage, "caught"));

        Assert.Equal(debugPage.Pfn, bug.Pfn);
    }

    [Fact]
    public void The_dump_names_anon_exclusive_by_its_meaning()
    {
        var folio = TestMemory.Create().AllocAnon();
        folio.Set(PG.SwapBacked);
        folio.Head.SetAnonExclusive();

        var bug = Assert.Throws<MmBugException>(() => MmBug.On(true, folio.Head, "look"));

        Assert.Contains($"page:pfn=0x{folio.Head.Pfn:x} refcount:1 mapcount:0", bug.Dump);
        Assert.Contains("anon flags: 0xa0000(anon_exclusive|swapbacked)", bug.Dump);
        Assert.Contains("page dumped because: look", bug.Dump);
    }

    [Fact]
    public void Flag_names_expand_overloaded_bits()
    {
        ulong exclusive = PageFlagBit.AnonExclusive.Mask();
        ulong swapcache = PageFlagBit.SwapCache.Mask() | PageFlagBit.SwapBacked.Mask();

        Assert.Equal("anon_exclusive", PageDump.FlagNames(exclusive, anon: true));
        Assert.Equal("mappedtodisk", PageDump.FlagNames(exclusive, anon: false));
        Assert.Equal("swapcache|swapbacked", PageDump.FlagNames(swapcache, anon: true));
        Assert.Equal("owner_priv_1", PageDump.FlagNames(PageFlagBit.Checked.Mask(), anon: false));
    }
}
