using System;
using Xunit;
using static MmSim.Tests.Vm.TestMachine;

namespace MmSim.Tests.Vm;

/// <summary>mmap, munmap, mprotect, mremap and madvise: behaviour and every errno of API.md.</summary>
public class MappingCallTests
{
    private static readonly MapFlags Anon = MapFlags.Private | MapFlags.Anonymous;
    private static readonly Prot RW = Prot.Read | Prot.Write;

    [Theory]
    [InlineData(MapFlags.Anonymous)]                                       // neither private nor shared
    [InlineData(MapFlags.Anonymous | MapFlags.Private | MapFlags.Shared)] // both
    public void Mmap_needs_exactly_one_of_private_and_shared(MapFlags flags)
    {
        using var machine = Create();
        var p = machine.CreateProcess();

        Assert.Equal(Errno.EINVAL, Assert.Throws<MmException>(() => p.Mmap(0, Page, RW, flags)).Errno);
    }

    [Fact]
    public void Mmap_argument_errors_carry_the_kernels_errno()
    {
        using var machine = Create();
        var p = machine.CreateProcess();
        var file = machine.CreateFile("f", new byte[2 * Page]);

        Assert.Equal(Errno.EINVAL, Assert.Throws<MmException>(() => p.Mmap(0, 0, RW, Anon)).Errno);
        Assert.Equal(Errno.EINVAL, Assert.Throws<MmException>(() => p.Mmap(0x10000001, Page, RW, Anon | MapFlags.Fixed)).Errno);
        Assert.Equal(Errno.EINVAL, Assert.Throws<MmException>(() => p.Mmap(0, Page, RW, MapFlags.Private, file, 100)).Errno);
        Assert.Equal(Errno.ENOMEM, Assert.Throws<MmException>(() => p.Mmap(0, ulong.MaxValue - 10, RW, Anon)).Errno);
        Assert.Equal(Errno.ENOMEM, Assert.Throws<MmException>(() => p.Mmap(0, 1UL << 48, RW, Anon)).Errno);
        Assert.Equal(Errno.EBADF, Assert.Throws<MmException>(() => p.Mmap(0, Page, RW, MapFlags.Private)).Errno);
        Assert.Equal(Errno.EPERM, Assert.Throws<MmException>(() => p.Mmap(0x1000, Page, RW, Anon | MapFlags.Fixed)).Errno);
        machine.CheckInvariants();
    }

    [Fact]
    public void Mmap_rounds_the_length_up_and_honours_a_free_hint()
    {
        using var machine = Create();
        var p = machine.CreateProcess();

        ulong a = p.Mmap(0x20000000, 10, RW, Anon);

        Assert.Equal(0x20000000UL, a);
        p.WriteByte(a + Page - 1, 1); // the whole page is mapped
        Assert.Throws<SegmentationFaultException>(() => p.WriteByte(a + Page, 1));
        ulong b = p.Mmap(0x20000000, Page, RW, Anon); // hint taken: placed elsewhere
        Assert.NotEqual(a, b);
    }

    [Fact]
    public void Thp_sized_anonymous_areas_are_2_MiB_aligned()
    {
        using var machine = Create();
        var p = machine.CreateProcess();

        ulong a = p.Mmap(0, 4UL << 20, RW, Anon);

        Assert.Equal(0UL, a % (2UL << 20));
    }

    [Fact]
    public void Map_fixed_replaces_what_was_there()
    {
        using var machine = Create();
        var p = machine.CreateProcess();
        ulong a = p.MapAnon(3);
        p.WriteByte(a + Page, 9);

        ulong b = p.Mmap(a + Page, Page, RW, Anon | MapFlags.Fixed);

        Assert.Equal(a + Page, b);
        Assert.Equal(0, p.ReadByte(b));
        machine.CheckInvariants();
    }

    [Fact]
    public void Munmap_of_a_hole_succeeds_and_bad_arguments_are_EINVAL()
    {
        using var machine = Create();
        var p = machine.CreateProcess();
        ulong a = p.MapAnon(1);

        p.Munmap(a + 100 * Page, Page);
        Assert.Equal(Errno.EINVAL, Assert.Throws<MmException>(() => p.Munmap(a + 1, Page)).Errno);
        Assert.Equal(Errno.EINVAL, Assert.Throws<MmException>(() => p.Munmap(a, 0)).Errno);
        p.Munmap(a, Page);
        Assert.Throws<SegmentationFaultException>(() => p.ReadByte(a));
    }

    [Fact]
    public void Munmap_in_the_middle_splits_the_area_and_frees_only_what_it_unmapped()
    {
        using var machine = Create();
        long free = machine.Stats.FreePages;
        var p = machine.CreateProcess();
        ulong a = p.MapAnon(3);
        for (ulong i = 0; i < 3; i++)
            p.WriteByte(a + i * Page, (byte)(i + 1));

        p.Munmap(a + Page, Page);

        Assert.Equal(1, p.ReadByte(a));
        Assert.Equal(3, p.ReadByte(a + 2 * Page));
        var fault = Assert.Throws<SegmentationFaultException>(() => p.ReadByte(a + Page));
        Assert.Equal(a + Page, fault.Address);
        Assert.False(fault.IsWrite);
        Assert.Equal(2, machine.Stats.AnonPages);
        machine.AssertCleanAfterExit(free);
    }

    [Fact]
    public void Unmapping_everything_frees_the_page_tables_too()
    {
        using var machine = Create();
        var p = machine.CreateProcess();
        long tablesAtStart = machine.Stats.PageTablePages;
        ulong a = p.MapAnon(4);
        p.WriteByte(a, 1);
        Assert.Equal(tablesAtStart + 3, machine.Stats.PageTablePages); // PUD, PMD and PTE tables

        p.Munmap(a, 4 * Page);

        Assert.Equal(tablesAtStart, machine.Stats.PageTablePages);
        machine.CheckInvariants();
    }

    [Fact]
    public void Mprotect_read_only_turns_writes_into_segmentation_faults()
    {
        using var machine = Create();
        var p = machine.CreateProcess();
        ulong a = p.MapAnon(2);
        p.WriteByte(a, 5);

        p.Mprotect(a, Page, Prot.Read);

        var fault = Assert.Throws<SegmentationFaultException>(() => p.WriteByte(a, 6));
        Assert.True(fault.IsWrite);
        Assert.Equal(a, fault.Address);
        Assert.Equal(5, p.ReadByte(a));
        p.WriteByte(a + Page, 6); // the other half of the split area is still writable
        p.Mprotect(a, Page, Prot.None);
        Assert.Throws<SegmentationFaultException>(() => p.ReadByte(a));
        p.Mprotect(a, Page, RW);
        p.WriteByte(a, 7);
        Assert.Equal(7, p.ReadByte(a));
        machine.CheckInvariants();
    }

    [Fact]
    public void Mprotect_write_upgrade_happens_only_for_exclusive_pages()
    {
        using var machine = Create();
        var p = machine.CreateProcess();
        ulong a = p.MapAnon(1);
        p.WriteByte(a, 1);
        long pfn = p.PageMap(a).Pfn;
        var child = p.Fork();
        child.Exit();

        p.Mprotect(a, Page, Prot.Read);
        p.Mprotect(a, Page, RW);
        p.WriteByte(a, 2); // not known exclusive after fork: the write faults and proves sole ownership

        Assert.Equal(pfn, p.PageMap(a).Pfn);
        Assert.True(p.PageMap(a).AnonExclusive);
    }

    [Fact]
    public void Mprotect_and_madvise_over_a_hole_are_ENOMEM_and_zero_length_succeeds()
    {
        using var machine = Create();
        var p = machine.CreateProcess();
        ulong a = p.MapAnon(1);

        Assert.Equal(Errno.ENOMEM, Assert.Throws<MmException>(() => p.Mprotect(a, 2 * Page, Prot.Read)).Errno);
        Assert.Equal(Errno.ENOMEM, Assert.Throws<MmException>(() => p.Madvise(a, 2 * Page, Advice.DontNeed)).Errno);
        Assert.Equal(Errno.ENOMEM, Assert.Throws<MmException>(() => p.Mprotect(a, ulong.MaxValue - Page, Prot.Read)).Errno);
        Assert.Equal(Errno.EINVAL, Assert.Throws<MmException>(() => p.Mprotect(a + 1, Page, Prot.Read)).Errno);
        Assert.Equal(Errno.EINVAL, Assert.Throws<MmException>(() => p.Madvise(a, Page, (Advice)99)).Errno);
        p.Mprotect(a + 50 * Page, 0, Prot.Read);
        p.Madvise(a + 50 * Page, 0, Advice.DontNeed);
        p.WriteByte(a, 1); // the failed calls changed nothing
    }

    [Fact]
    public void Madvise_dontneed_drops_the_pages()
    {
        using var machine = Create();
        var p = machine.CreateProcess();
        ulong a = p.MapAnon(2);
        p.WriteByte(a, 1);
        p.WriteByte(a + Page, 2);

        p.Madvise(a, Page, Advice.DontNeed);

        Assert.False(p.PageMap(a).Present);
        Assert.Equal(0, p.ReadByte(a));
        Assert.Equal(2, p.ReadByte(a + Page));
        Assert.Equal(1, machine.Stats.AnonPages);
    }

    [Fact]
    public void Dontfork_and_wipeonfork_shape_the_child()
    {
        using var machine = Create();
        var p = machine.CreateProcess();
        ulong a = p.MapAnon(3);
        for (ulong i = 0; i < 3; i++)
            p.WriteByte(a + i * Page, 9);
        p.Madvise(a, Page, Advice.DontFork);
        p.Madvise(a + Page, Page, Advice.WipeOnFork);

        var child = p.Fork();

        Assert.Throws<SegmentationFaultException>(() => child.ReadByte(a));
        Assert.Equal(0, child.ReadByte(a + Page));
        Assert.Equal(9, child.ReadByte(a + 2 * Page));
        p.Madvise(a, Page, Advice.DoFork);
        p.Madvise(a + Page, Page, Advice.KeepOnFork);
        var second = p.Fork();
        Assert.Equal(9, second.ReadByte(a));
        Assert.Equal(9, second.ReadByte(a + Page));
        machine.CheckInvariants();
    }

    [Fact]
    public void Wipeonfork_applies_to_private_anonymous_memory_only()
    {
        using var machine = Create();
        var p = machine.CreateProcess();
        ulong shared = p.Mmap(0, Page, RW, MapFlags.Shared | MapFlags.Anonymous);

        Assert.Equal(Errno.EINVAL, Assert.Throws<MmException>(() => p.Madvise(shared, Page, Advice.WipeOnFork)).Errno);
    }

    [Fact]
    public void Populate_write_breaks_cow_and_populate_read_maps_the_zero_page()
    {
        using var machine = Create();
        var p = machine.CreateProcess();
        ulong a = p.MapAnon(2);

        p.Madvise(a, Page, Advice.PopulateRead);
        p.Madvise(a + Page, Page, Advice.PopulateWrite);

        Assert.True(p.PageMap(a).ZeroPage);
        Assert.True(p.PageMap(a + Page).AnonExclusive);
        ulong ro = p.MapAnon(1, Prot.Read);
        // __get_user_pages() with FOLL_MADV_POPULATE turns check_vma_flags()'s refusal into EINVAL (6.9)
        Assert.Equal(Errno.EINVAL, Assert.Throws<MmException>(() => p.Madvise(ro, Page, Advice.PopulateWrite)).Errno);
    }

    [Fact]
    public void Map_populate_faults_everything_in()
    {
        using var machine = Create();
        var p = machine.CreateProcess();

        ulong a = p.Mmap(0, 3 * Page, RW, Anon | MapFlags.Populate);

        for (ulong i = 0; i < 3; i++)
            Assert.True(p.PageMap(a + i * Page).AnonExclusive);
    }

    [Fact]
    public void Mremap_shrinks_grows_in_place_and_moves()
    {
        using var machine = Create();
        var p = machine.CreateProcess();
        ulong a = p.Mmap(0x30000000, 2 * Page, RW, Anon);
        p.WriteByte(a, 1);
        p.WriteByte(a + Page, 2);

        Assert.Equal(a, p.Mremap(a, 2 * Page, Page, MremapFlags.None));
        Assert.Throws<SegmentationFaultException>(() => p.ReadByte(a + Page));
        Assert.Equal(a, p.Mremap(a, Page, 3 * Page, MremapFlags.None)); // the range above is free
        Assert.Equal(0, p.ReadByte(a + 2 * Page));

        p.Mmap(a + 3 * Page, Page, RW, Anon | MapFlags.Fixed); // block growth in place
        Assert.Equal(Errno.ENOMEM, Assert.Throws<MmException>(() => p.Mremap(a, 3 * Page, 4 * Page, MremapFlags.None)).Errno);
        long pfn = p.PageMap(a).Pfn;
        ulong moved = p.Mremap(a, 3 * Page, 4 * Page, MremapFlags.MayMove);

        Assert.NotEqual(a, moved);
        Assert.Equal(1, p.ReadByte(moved));
        Assert.Equal(pfn, p.PageMap(moved).Pfn); // the page moved, not copied
        Assert.True(p.PageMap(moved).AnonExclusive);
        Assert.Throws<SegmentationFaultException>(() => p.ReadByte(a));
        machine.CheckInvariants();
    }

    [Fact]
    public void Mremap_fixed_and_dontunmap()
    {
        using var machine = Create();
        var p = machine.CreateProcess();
        ulong a = p.MapAnon(1);
        p.WriteByte(a, 4);
        ulong target = 0x40000000;

        ulong moved = p.Mremap(a, Page, Page, MremapFlags.MayMove | MremapFlags.Fixed | MremapFlags.DontUnmap, target);

        Assert.Equal(target, moved);
        Assert.Equal(4, p.ReadByte(target));
        Assert.Equal(0, p.ReadByte(a)); // still mapped, empty
        Assert.Equal(1, machine.Stats.AnonPages);
        machine.CheckInvariants();
    }

    [Fact]
    public void Mremap_argument_errors()
    {
        using var machine = Create();
        var p = machine.CreateProcess();
        ulong a = p.MapAnon(2);

        Assert.Equal(Errno.EINVAL, Assert.Throws<MmException>(() => p.Mremap(a + 1, Page, Page, MremapFlags.None)).Errno);
        Assert.Equal(Errno.EINVAL, Assert.Throws<MmException>(() => p.Mremap(a, Page, Page, MremapFlags.Fixed, 0x40000000)).Errno);
        Assert.Equal(Errno.EINVAL, Assert.Throws<MmException>(() => p.Mremap(a, Page, 2 * Page, MremapFlags.MayMove | MremapFlags.DontUnmap)).Errno);
        Assert.Equal(Errno.EINVAL, Assert.Throws<MmException>(() => p.Mremap(a, Page, 0, MremapFlags.None)).Errno);
        Assert.Equal(Errno.EFAULT, Assert.Throws<MmException>(() => p.Mremap(a + 10 * Page, Page, Page, MremapFlags.None)).Errno);
        Assert.Equal(Errno.EFAULT, Assert.Throws<MmException>(() => p.Mremap(a, 3 * Page, Page, MremapFlags.None)).Errno);
        machine.CheckInvariants();
    }

    [Fact]
    public void An_exited_process_rejects_every_call_with_ESRCH()
    {
        using var machine = Create();
        var p = machine.CreateProcess();
        ulong a = p.MapAnon(1);
        p.Exit();

        Action[] calls =
        [
            () => p.Mmap(0, Page, RW, Anon), () => p.Munmap(a, Page), () => p.Mprotect(a, Page, Prot.Read),
            () => p.Mremap(a, Page, Page, MremapFlags.None), () => p.Madvise(a, Page, Advice.DontNeed),
            () => p.Read(a, new byte[1]), () => p.Write(a, new byte[1]), () => p.Fork(), p.Exit,
            () => p.GetUserPages(a, 1, GupFlags.None), () => p.PinUserPages(a, 1, GupFlags.None), () => p.PageMap(a),
            p.ClearSoftDirty,
        ];
        foreach (var call in calls)
            Assert.Equal(Errno.ESRCH, Assert.Throws<MmException>(call).Errno);
    }

    [Fact]
    public void Accesses_outside_every_mapping_are_segmentation_faults()
    {
        using var machine = Create();
        var p = machine.CreateProcess();
        ulong a = p.MapAnon(1);

        var write = Assert.Throws<SegmentationFaultException>(() => p.Write(a + Page - 1, new byte[2]));
        Assert.Equal(a + Page, write.Address);
        Assert.True(write.IsWrite);
        Assert.Throws<SegmentationFaultException>(() => p.Read(0, new byte[1]));
        Assert.Throws<SegmentationFaultException>(() => p.Read(ulong.MaxValue - 2, new byte[8]));
        machine.CheckInvariants();
    }

    [Fact]
    public void Populate_stops_at_the_first_area_without_access_and_keeps_what_it_populated()
    {
        using var machine = Create();
        var p = machine.CreateProcess();
        ulong a = p.MapAnon(3);
        p.Mprotect(a + 2 * Page, Page, Prot.None);

        Assert.Equal(Errno.EINVAL, Assert.Throws<MmException>(() => p.Madvise(a, 3 * Page, Advice.PopulateWrite)).Errno);

        Assert.True(p.PageMap(a).Anon && p.PageMap(a + Page).Anon); // faultin_page_range() went in order
        Assert.False(p.PageMap(a + 2 * Page).Present);
    }

    [Fact]
    public void Keeponfork_applies_to_any_area_and_wipeonfork_only_to_private_anonymous_memory()
    {
        using var machine = Create();
        var p = machine.CreateProcess();
        ulong shared = p.Mmap(0, Page, Prot.Read | Prot.Write, MapFlags.Shared | MapFlags.Anonymous);

        p.Madvise(shared, Page, Advice.KeepOnFork); // clearing VM_WIPEONFORK needs no check
        Assert.Equal(Errno.EINVAL, Assert.Throws<MmException>(() => p.Madvise(shared, Page, Advice.WipeOnFork)).Errno);
    }

    [Fact]
    public void Advice_and_protection_that_change_nothing_leave_the_area_whole()
    {
        using var machine = new Machine(new MachineOptions { MemoryBytes = 16L << 20, Thp = ThpMode.Madvise });
        var p = machine.CreateProcess();
        ulong thp = 2UL << 20;
        ulong mem = p.Mmap(0, thp, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Anonymous);
        p.Madvise(mem, thp, Advice.HugePage);

        // madvise_update_vma() and mprotect_fixup() return early: no split, so the area still holds a THP
        p.Madvise(mem + Page, 2 * Page, Advice.DoFork);
        p.Mprotect(mem + 3 * Page, Page, Prot.Read | Prot.Write);
        p.WriteByte(mem + 9 * Page, 1);

        Assert.True(p.PageMap(mem).Thp);
    }
}
