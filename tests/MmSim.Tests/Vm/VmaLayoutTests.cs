using Xunit;
using static MmSim.Tests.Vm.TestMachine;

namespace MmSim.Tests.Vm;

/// <summary>Area merging after mprotect and madvise, VM_ACCOUNT, and mremap moves over several areas.</summary>
public class VmaLayoutTests
{
    private const ulong Thp = 2UL << 20;

    private static (Machine Machine, Process P, ulong Mem) WithThpArea()
    {
        var machine = new Machine(new MachineOptions { MemoryBytes = 32L << 20, Thp = ThpMode.Madvise });
        var p = machine.CreateProcess();
        ulong mem = p.Mmap(0, Thp, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Anonymous);
        p.Madvise(mem, Thp, Advice.HugePage);
        return (machine, p, mem);
    }

    [Fact]
    public void Changing_a_protection_back_merges_the_areas_so_a_thp_fits_again()
    {
        var (machine, p, mem) = WithThpArea();
        using var _ = machine;
        p.Mprotect(mem + Page, Page, Prot.Read);
        p.Mprotect(mem + Page, Page, Prot.Read | Prot.Write); // vma_merge_existing_range(): one area again

        p.WriteByte(mem + 7 * Page, 1);

        Assert.True(p.PageMap(mem).Thp && p.PageMap(mem).Present);
    }

    [Fact]
    public void An_area_made_unwritable_before_its_first_fault_loses_vm_account_and_does_not_merge()
    {
        using var machine = Create();
        var p = machine.CreateProcess();
        ulong a = p.MapAnon(4);
        Assert.Equal(0, p.ReadByte(a + Page));             // the zero page: still no anon_vma
        p.Mprotect(a + Page, 2 * Page, Prot.None);         // uncharged (mprotect_fixup)
        p.WriteByte(a + 3 * Page, 1);                      // anon_vma for the last page's area
        p.Mprotect(a + 2 * Page, 2 * Page, Prot.None);     // still charged: no merge with [1, 3)

        var child = p.Fork();

        // the first PROT_NONE area has no anon_vma, so fork does not copy its zero-page entry
        Assert.False(child.PageMap(a + Page).Present);
        Assert.True(child.PageMap(a + 3 * Page).Present);
    }

    [Fact]
    public void A_fixed_move_of_the_same_length_spans_areas_and_keeps_their_gaps()
    {
        using var machine = Create();
        var p = machine.CreateProcess();
        ulong a = p.MapAnon(4);
        p.WriteByte(a, 1);
        p.WriteByte(a + 3 * Page, 4);
        p.Mprotect(a + Page, Page, Prot.Read);             // three areas
        p.Munmap(a + 2 * Page, Page);                      // and a gap
        ulong target = p.MapAnon(8, Prot.None);

        ulong moved = p.Mremap(a, 4 * Page, 4 * Page, MremapFlags.MayMove | MremapFlags.Fixed, target);

        Assert.Equal(target, moved);
        Assert.Equal(1, p.ReadByte(target));
        Assert.Equal(4, p.ReadByte(target + 3 * Page));
        Assert.Throws<SegmentationFaultException>(() => p.ReadByte(target + 2 * Page)); // the gap: the PROT_NONE target stays
        Assert.Throws<SegmentationFaultException>(() => p.WriteByte(target + Page, 9));  // so did the R/O area
        Assert.Throws<SegmentationFaultException>(() => p.ReadByte(a));
        // remap_move(): a gap at the start of the range is EFAULT
        Assert.Equal(Errno.EFAULT, Assert.Throws<MmException>(() => p.Mremap(a, 2 * Page, 2 * Page, MremapFlags.MayMove | MremapFlags.Fixed, target + 4 * Page)).Errno);
        machine.CheckInvariants();
    }

    [Fact]
    public void An_aligned_move_keeps_a_huge_pmd_intact()
    {
        var (machine, p, mem) = WithThpArea();
        using var _ = machine;
        Assert.Equal(0, p.ReadByte(mem));                  // the huge zero page
        ulong target = p.Mmap(0, 2 * Thp, Prot.None, MapFlags.Private | MapFlags.Anonymous);
        ulong aligned = (target + Thp - 1) & ~(Thp - 1);

        p.Mremap(mem, Thp, Thp, MremapFlags.MayMove | MremapFlags.Fixed, aligned);

        var moved = p.PageMap(aligned + 5 * Page);          // move_huge_pmd(): still the huge zero page
        Assert.True(moved.ZeroPage && moved.Thp);
        machine.CheckInvariants();
    }
}
