using MmSim.Diagnostics;
using MmSim.PageFlags;
using MmSim.Physical;
using MmSim.Rmap;
using MmSim.Tests.Vm;
using MmSim.Vm;
using Xunit;

namespace MmSim.Tests.Rmap;

/// <summary>CONFIG_MM_ID: the two mm id slots of a large folio and folio_maybe_mapped_shared() answered from them.</summary>
public class LargeMapcountTests
{
    private const uint A = 1, B = 2, C = 3;

    private static Folio Thp() => TestMemory.Create().AllocAnon(order: 9, CompoundDtor.TransHuge);

    // a PTE mapping of every page of the folio by mm `mm`, as a PMD split leaves it
    private static void MapAllPages(Folio folio, uint mm)
    {
        for (int i = 0; i < folio.NrPages; i++)
            folio.Page(i).IncMapCount(mm);
    }

    [Fact]
    public void One_process_mapping_every_page_is_not_shared()
    {
        var folio = Thp();

        MapAllPages(folio, A);

        Assert.Equal((A, 511), LargeMapcount.Slot(folio, 0));
        Assert.Equal((LargeMapcount.DummyMmId, -1), LargeMapcount.Slot(folio, 1));
        Assert.False(FolioSharing.MaybeMappedShared(folio));
        Assert.Equal(512, FolioSharing.LargeMapcount(folio));
    }

    [Fact]
    public void A_second_process_takes_slot_one_and_marks_the_folio_shared_until_it_unmaps()
    {
        var folio = Thp();
        MapAllPages(folio, A);

        folio.Page(7).IncMapCount(B);
        Assert.Equal((B, 0), LargeMapcount.Slot(folio, 1));
        Assert.True(FolioSharing.MaybeMappedShared(folio));

        folio.Page(7).DecMapCount(B);
        Assert.Equal((LargeMapcount.DummyMmId, -1), LargeMapcount.Slot(folio, 1));
        Assert.False(FolioSharing.MaybeMappedShared(folio)); // slot 0 owns every mapping again
    }

    [Fact]
    public void A_pmd_mapping_counts_once_for_its_process()
    {
        var folio = Thp();

        folio.AddEntireMapcount(1, A);
        folio.AddEntireMapcount(1, B);

        Assert.Equal((A, 0), LargeMapcount.Slot(folio, 0));
        Assert.Equal((B, 0), LargeMapcount.Slot(folio, 1));
        Assert.True(FolioSharing.MaybeMappedShared(folio));
        folio.AddEntireMapcount(-1, A);
        Assert.Equal((LargeMapcount.DummyMmId, -1), LargeMapcount.Slot(folio, 0));
        Assert.False(FolioSharing.MaybeMappedShared(folio)); // one mapping is never shared
        folio.AddEntireMapcount(-1, B);
        Assert.False(LargeMapcount.MaybeMappedSharedBit(folio));
    }

    [Fact]
    public void A_third_process_finds_no_slot_and_the_folio_stays_maybe_shared_after_the_first_two_unmap()
    {
        var folio = Thp();
        MapAllPages(folio, A);
        folio.Page(0).IncMapCount(B);
        folio.Page(1).IncMapCount(C);
        folio.Page(2).IncMapCount(C);

        folio.Page(0).DecMapCount(B);
        Assert.True(FolioSharing.MaybeMappedShared(folio)); // C's two mappings are in no slot
        for (int i = 0; i < folio.NrPages; i++)
            folio.Page(i).DecMapCount(A);

        // only C maps the folio now, twice: the kernel cannot know, and neither may the simulator
        Assert.Equal(2, FolioSharing.LargeMapcount(folio));
        Assert.True(FolioSharing.MaybeMappedShared(folio));
        folio.Page(1).DecMapCount(C);
        Assert.False(FolioSharing.MaybeMappedShared(folio)); // a single mapping is exclusive, whatever the bit says
    }

    [Fact]
    public void A_slot_taken_after_some_of_its_mappings_underflows_to_free_and_the_folio_becomes_exclusive_again()
    {
        var folio = Thp();
        folio.Page(0).IncMapCount(A);
        folio.Page(0).IncMapCount(B);
        folio.Page(1).IncMapCount(C);      // no slot for C
        folio.Page(0).DecMapCount(A);      // slot 0 is free again
        folio.Page(2).IncMapCount(C);      // C takes slot 0, counting one of its two mappings

        Assert.Equal((C, 0), LargeMapcount.Slot(folio, 0));
        folio.Page(0).DecMapCount(B);
        folio.Page(1).DecMapCount(C);      // slot 0 reaches -1 and is freed, though C still maps page 2
        Assert.Equal((LargeMapcount.DummyMmId, -1), LargeMapcount.Slot(folio, 0));
        folio.Page(2).DecMapCount(C);

        Assert.False(LargeMapcount.MaybeMappedSharedBit(folio)); // unmapped: both slots free, not shared
        Assert.Null(LargeMapcount.BadReason(folio.Memory.Map, folio.Head.Index));
    }

    [Fact]
    public void Freeing_a_folio_whose_slot_still_counts_mappings_is_a_bad_page()
    {
        var folio = Thp();
        folio.Page(3).IncMapCount(A);
        folio.Memory.Map.MapCount[folio.Page(3).Index] = -1; // a lost unmap: the page's own count dropped, the slot's did not
        folio.Memory.Map.LruNext[folio.Head.Index + 2] = 0;

        var bug = Assert.Throws<MmBugException>(() => folio.Put());

        Assert.Contains("nonzero mm mapcount 0", bug.Message);
        Assert.Equal(1, folio.RefCount); // refused before any state changed
    }

    [Fact]
    public void Mm_ids_are_the_lowest_free_ones_and_come_back_when_a_process_exits()
    {
        using var machine = new Machine(new MachineOptions { MemoryBytes = 16L << 20 });
        var first = machine.CreateProcess();
        var second = machine.CreateProcess();
        uint firstId = first.Mm.Id;
        Assert.Equal(firstId + 1, second.Mm.Id);

        first.Exit();
        var third = machine.CreateProcess();

        Assert.Equal(firstId, third.Mm.Id); // ida_alloc_range() hands out the lowest free id
    }

    [Theory]
    [InlineData(false, true)]  // the child exited: the parent's slot owns every mapping, the THP is reused
    [InlineData(true, false)]  // a grandchild took no slot: the THP stays maybe shared, the page is copied
    public void A_write_to_a_pte_mapped_thp_reuses_it_only_when_the_mm_ids_prove_it_exclusive(bool grandchild, bool reused)
    {
        using var machine = new Machine(new MachineOptions { MemoryBytes = 32L << 20, DebugVm = true });
        var parent = machine.CreateProcess();
        ulong mem = parent.Mmap(0, 2UL << 20, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Anonymous);
        parent.Madvise(mem, 2UL << 20, Advice.HugePage);
        parent.WriteByte(mem, 1);
        parent.Mprotect(mem, Machine.PageSize, Prot.Read); // PTE-map the THP
        parent.Mprotect(mem, Machine.PageSize, Prot.Read | Prot.Write);
        var child = parent.Fork();
        var last = grandchild ? child.Fork() : null;
        if (grandchild)
        {
            // the parent and the child go; the grandchild, which found no free slot, is left alone with the THP
            parent.Exit();
            child.Exit();
        }
        else
        {
            child.Exit();
        }
        var writer = last ?? parent;

        writer.WriteByte(mem + 255 * (ulong)Machine.PageSize, 2);

        var entry = writer.PageMap(mem + 255 * (ulong)Machine.PageSize);
        Assert.True(entry.AnonExclusive);
        Assert.Equal(reused, entry.Thp);
        machine.CheckInvariants();
    }
}
