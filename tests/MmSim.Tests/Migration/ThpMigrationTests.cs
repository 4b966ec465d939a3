using System.Linq;
using MmSim.Migration;
using MmSim.PageTables;
using MmSim.Tests.Vm;
using Xunit;
using static MmSim.Tests.Vm.TestMachine;

namespace MmSim.Tests.Migration;

/// <summary>
/// THP migration (CONFIG_ARCH_ENABLE_THP_MIGRATION): a THP moves whole through a PMD migration entry, or PTE
/// migration entries where it is PTE-mapped, and every mapping gets back the exclusivity it had.
/// </summary>
public class ThpMigrationTests
{
    private const ulong Thp = 2UL << 20;
    private const int NrPages = 512;

    private static (Machine Machine, Process P, ulong Mem, long Free) WithThp(long memory = 32L << 20)
    {
        var machine = new Machine(new MachineOptions { MemoryBytes = memory, Thp = ThpMode.Madvise, DebugVm = true });
        long free = machine.Stats.FreePages;
        var p = machine.CreateProcess();
        ulong area = p.Mmap(0, 2 * Thp, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Anonymous);
        ulong mem = (area + Thp - 1) & ~(Thp - 1);
        p.Madvise(mem, Thp, Advice.HugePage);
        for (ulong i = 0; i < NrPages; i += 7)
            p.WriteByte(mem + i * Page, (byte)(i % 251 + 1));
        Assert.True(p.PageMap(mem).Thp);
        return (machine, p, mem, free);
    }

    private static void AssertContents(Process p, ulong mem)
    {
        for (ulong i = 0; i < NrPages; i += 7)
            Assert.Equal((byte)(i % 251 + 1), p.ReadByte(mem + i * Page));
    }

    private static PmdState Pmd(Process p, ulong mem)
    {
        Assert.True(p.Mm.PageTable.TryGetPmdSlot(mem, out var slot));
        var pmd = p.Mm.PageTable.Read(slot);
        return pmd.IsHuge ? PmdState.Huge : pmd.IsSwapPmd ? PmdState.Migration : PmdState.Table;
    }

    private enum PmdState { Huge, Migration, Table }

    /// <summary>set_pmd_migration_entry() on the THP at <paramref name="mem"/>, holding the migration's own reference.</summary>
    private static (MmSim.PageFlags.Folio Folio, PteSlot PmdSlot) IntoMigrationEntry(Machine machine, Process p, ulong mem)
    {
        var vma = p.Mm.VmaLookup(mem)!;
        Assert.True(p.Mm.PageTable.TryGetPmdSlot(mem, out var pmdSlot));
        var folio = machine.Physical.PfnToPage(p.PageMap(mem).Pfn).Folio;
        folio.Get();
        lock (p.Mm.PageTable.PtLock(pmdSlot))
            Assert.True(MigrationEntries.TryToMigrateOnePmd(machine, vma, pmdSlot, p.Mm.PageTable.Read(pmdSlot), folio));
        return (folio, pmdSlot);
    }

    /// <summary>remove_migration_ptes() back to the same THP, and the migration's reference dropped.</summary>
    private static void Restore(Machine machine, MmSim.PageFlags.Folio folio)
    {
        MigrationEntries.RemoveMigrationPtes(machine, folio, folio);
        folio.Put();
    }

    [Fact]
    public void Move_pages_moves_a_pmd_mapped_thp_whole_once_and_it_stays_pmd_mapped_and_exclusive()
    {
        var (machine, p, mem, free) = WithThp();
        using var _ = machine;
        long before = p.PageMap(mem).Pfn;

        var status = p.MovePages(mem, NrPages);

        Assert.All(status, s => Assert.Equal(0, s));
        var head = p.PageMap(mem);
        Assert.NotEqual(before, head.Pfn);
        Assert.True(head.Thp && head.AnonExclusive);
        Assert.Equal(PmdState.Huge, Pmd(p, mem));
        Assert.Equal(head.Pfn + 300, p.PageMap(mem + 300 * Page).Pfn);
        AssertContents(p, mem);
        p.WriteByte(mem + 5 * Page, 9); // writable as before: no fault copies it
        Assert.Equal(head.Pfn, p.PageMap(mem).Pfn);
        machine.CheckInvariants();
        machine.AssertCleanAfterExit(free); // the old THP was freed
    }

    [Fact]
    public void A_thp_a_child_shares_moves_for_both_and_stays_shared()
    {
        var (machine, p, mem, free) = WithThp();
        using var _ = machine;
        var child = p.Fork();

        Assert.Equal(0, p.MovePages(mem, 1)[0]);

        var inParent = p.PageMap(mem);
        var inChild = child.PageMap(mem);
        Assert.Equal(inParent.Pfn, inChild.Pfn);
        Assert.True(inParent.Thp && !inParent.AnonExclusive && !inChild.AnonExclusive);
        Assert.Equal(PmdState.Huge, Pmd(child, mem));
        child.WriteByte(mem, 77); // COW in the child, the parent keeps its data
        Assert.Equal(1, p.ReadByte(mem));
        AssertContents(p, mem);
        machine.CheckInvariants();
        child.Exit();
        machine.AssertCleanAfterExit(free);
    }

    [Fact]
    public void A_pte_mapped_thp_moves_whole_and_each_page_keeps_its_own_entry_kind()
    {
        var (machine, p, mem, free) = WithThp();
        using var _ = machine;
        p.Mprotect(mem, Page, Prot.Read); // PTE-maps the THP; page 0 read-only but exclusive

        var status = p.MovePages(mem, 2);

        Assert.Equal([0, 0], status);
        var first = p.PageMap(mem);
        Assert.True(first.Thp && first.AnonExclusive); // READ_EXCLUSIVE brought exclusivity back
        Assert.Equal(PmdState.Table, Pmd(p, mem));
        p.Mprotect(mem, Page, Prot.Read | Prot.Write);
        p.WriteByte(mem, 3); // an exclusive page is reused, not copied
        Assert.Equal(first.Pfn, p.PageMap(mem).Pfn);
        p.WriteByte(mem + Page, 4); // page 1 came back writable (WRITE)
        Assert.True(p.PageMap(mem + Page).Thp);
        machine.CheckInvariants();
        machine.AssertCleanAfterExit(free);
    }

    [Fact]
    public void A_pinned_thp_does_not_move()
    {
        var (machine, p, mem, _) = WithThp();
        using var __ = machine;
        long before = p.PageMap(mem).Pfn;
        using var pin = p.PinUserPages(mem + 9 * Page, 1, GupFlags.Write);

        var status = p.MovePages(mem, 1);

        Assert.Equal(-(int)Errno.EBUSY, status[0]);
        Assert.Equal(before, p.PageMap(mem).Pfn);
        Assert.Equal(PmdState.Huge, Pmd(p, mem));
        Assert.True(p.PageMap(mem).AnonExclusive);
        machine.CheckInvariants();
    }

    [Fact]
    public void With_no_free_thp_the_thp_is_split_and_its_pages_move_one_by_one()
    {
        var (machine, p, mem, _) = WithThp(memory: 8L << 20);
        using var __ = machine;
        for (ulong i = 1; i < 4; i++)
            p.WriteByte(mem + i * Page, 40); // the split maps pages that hold only zeros to the zero page
        var held = machine.FragmentNormalZone();

        var status = p.MovePages(mem, 4);

        Assert.Equal([0, 0, 0, 0], status);
        Assert.False(p.PageMap(mem).Thp);
        Assert.Equal(40, p.ReadByte(mem + 3 * Page));
        AssertContents(p, mem);
        held.PutAll();
        machine.CheckInvariants();
    }

    [Fact]
    public void Fork_mprotect_and_a_partial_munmap_handle_a_pmd_migration_entry_and_the_migration_restores_what_is_left()
    {
        var (machine, p, mem, free) = WithThp();
        using var _ = machine;
        var (folio, pmdSlot) = IntoMigrationEntry(machine, p, mem);
        Assert.Equal(SwapEntryType.MigrationWrite, p.Mm.PageTable.Read(pmdSlot).Type);

        var child = p.Fork();                              // copy_huge_pmd(): both sides get READ
        Assert.Equal(PmdState.Migration, Pmd(child, mem));
        Assert.Equal(SwapEntryType.MigrationRead, p.Mm.PageTable.Read(pmdSlot).Type);
        child.Munmap(mem + Thp / 2, Thp / 2);               // __split_huge_pmd_locked(): PTE migration entries
        Assert.Equal(PmdState.Table, Pmd(child, mem));
        Restore(machine, folio);

        Assert.Equal(PmdState.Huge, Pmd(p, mem));
        Assert.False(p.PageMap(mem).AnonExclusive);        // READ: shared with the child now
        Assert.Equal(p.PageMap(mem + 3 * Page).Pfn, child.PageMap(mem + 3 * Page).Pfn);
        Assert.False(child.PageMap(mem + Thp / 2).Present);
        AssertContents(p, mem);
        machine.CheckInvariants();
        child.Exit();
        machine.AssertCleanAfterExit(free);
    }

    [Fact]
    public void Mprotect_read_only_demotes_a_writable_pmd_migration_entry_to_read_exclusive()
    {
        var (machine, p, mem, free) = WithThp();
        using var _ = machine;
        var (folio, pmdSlot) = IntoMigrationEntry(machine, p, mem);

        p.Mprotect(mem, Thp, Prot.Read);

        Assert.Equal(SwapEntryType.MigrationReadExclusive, p.Mm.PageTable.Read(pmdSlot).Type);
        Restore(machine, folio);
        var head = p.PageMap(mem);
        Assert.True(head.Thp && head.AnonExclusive);
        Assert.Throws<SegmentationFaultException>(() => p.WriteByte(mem, 1));
        machine.CheckInvariants();
        machine.AssertCleanAfterExit(free);
    }
}
