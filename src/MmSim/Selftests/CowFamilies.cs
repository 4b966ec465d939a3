using System;
using System.Collections.Generic;

namespace MmSim.Selftests;

/// <summary>The families of cow.c, each as the same sequence of operations the kernel test performs.</summary>
internal static class CowFamilies
{
    private const SelftestResult P = SelftestResult.Pass;
    private const SelftestResult F = SelftestResult.Fail;
    private const SelftestResult X = SelftestResult.XFail;
    private const string MadvCollapse = "MADV_COLLAPSE (6.1)";

    /// <summary>Every family, anonymous first, in cow.c's order.</summary>
    public static IReadOnlyList<CowFamily> All { get; } =
    [
        new("Basic COW after fork()", CowFamilyScope.Anon, c => CowInParent(c, mprotect: false, ChildCompares), Always(P)),
        new("Basic COW after fork() with mprotect() optimization", CowFamilyScope.Anon, c => CowInParent(c, mprotect: true, ChildCompares), Always(P)),
        // CVE-2020-29374: before 5.8 a write fault reused a page mapped once, blind to the pipe's reference
        // swap-in still reused by mapcount until c145e0b47c77 (5.18): the swapped kinds fail in 5.11-5.17 too
        // and PMD-mapped THPs by mapcount until 3bff7e3f1f16 (5.18)
        new("vmsplice() + unmap in child", CowFamilyScope.Anon, c => CowInParent(c, mprotect: false, ChildVmspliceCompares), Generations(mapcount: F, refcount: P, exclusive: P, refcountSwapped: F, refcountPmd: F, mapcountSharedRemainder: P, refcountHugetlb: F, exclusiveHugetlb: X, mapcountKsm: P)),
        new("vmsplice() + unmap in child with mprotect() optimization", CowFamilyScope.Anon, c => CowInParent(c, mprotect: true, ChildVmspliceCompares), Generations(mapcount: F, refcount: P, exclusive: P, refcountSwapped: F, refcountPmd: F, mapcountSharedRemainder: P, refcountHugetlb: F, exclusiveHugetlb: X, mapcountKsm: P)),
        new("vmsplice() before fork(), unmap in parent after fork()", CowFamilyScope.Anon, c => VmspliceInParent(c, beforeFork: true), Generations(mapcount: F, refcount: P, exclusive: P, refcountPmd: F, mapcountSharedRemainder: P, refcountHugetlb: F, exclusiveHugetlb: X, mapcountKsm: P)),
        new("vmsplice() + unmap in parent after fork()", CowFamilyScope.Anon, c => VmspliceInParent(c, beforeFork: false), Generations(mapcount: F, refcount: P, exclusive: P, refcountPmd: F, mapcountSharedRemainder: P, refcountHugetlb: F, exclusiveHugetlb: X, mapcountKsm: P)),
        // the "wrong COW" of R/W pins: a refcount test cannot tell a pin from a second mapping
        new("R/O-mapping a page registered as iouring fixed buffer", CowFamilyScope.Anon, c => IoUring(c, useFork: false), Generations(mapcount: P, refcount: F, exclusive: P, refcountPmd: P, refcountHugetlb: P)),
        new("fork() with an iouring fixed buffer", CowFamilyScope.Anon, c => IoUring(c, useFork: true), Generations(mapcount: F, refcount: P, exclusive: P)),
        // R/O pins: only GUP-triggered unsharing (5.19) keeps them coherent with the page table
        new("R/O GUP pin on R/O-mapped shared page", CowFamilyScope.Anon, c => RoPin(c, RoPinTest.Shared, fast: false), Generations(mapcount: F, refcount: F, exclusive: P)),
        new("R/O GUP-fast pin on R/O-mapped shared page", CowFamilyScope.Anon, c => RoPin(c, RoPinTest.Shared, fast: true), Generations(mapcount: F, refcount: F, exclusive: P)),
        new("R/O GUP pin on R/O-mapped previously-shared page", CowFamilyScope.Anon, c => RoPin(c, RoPinTest.PreviouslyShared, fast: false), Generations(mapcount: P, refcount: F, exclusive: P, refcountPmd: P, refcountHugetlb: P, mapcountKsm: F)),
        new("R/O GUP-fast pin on R/O-mapped previously-shared page", CowFamilyScope.Anon, c => RoPin(c, RoPinTest.PreviouslyShared, fast: true), Generations(mapcount: P, refcount: F, exclusive: P, refcountPmd: P, refcountHugetlb: P, mapcountKsm: F)),
        new("R/O GUP pin on R/O-mapped exclusive page", CowFamilyScope.Anon, c => RoPin(c, RoPinTest.RoExclusive, fast: false), Generations(mapcount: P, refcount: F, exclusive: P, refcountPmd: P, refcountHugetlb: P, mapcountKsm: F)),
        new("R/O GUP-fast pin on R/O-mapped exclusive page", CowFamilyScope.Anon, c => RoPin(c, RoPinTest.RoExclusive, fast: true), Generations(mapcount: P, refcount: F, exclusive: P, refcountPmd: P, refcountHugetlb: P, mapcountKsm: F)),
        // test_anon_thp_collapse_*(): a collapse must not carry a shared page's contents over as exclusive; MADV_COLLAPSE
        // is 6.1, so the older generations skip. The research table's SKIP for the fully shared case (2023: every entry
        // R/O after fork, SCAN_PAGE_RO) no longer holds: 6.18 collapses write-protected ranges by copying, and passes
        new("Basic COW after fork() when collapsing before fork()", CowFamilyScope.AnonThp, c => CollapseAroundFork(c, CollapseTest.Unshared), Always(P), MadvCollapse),
        new("Basic COW after fork() when collapsing after fork() (fully shared)", CowFamilyScope.AnonThp, c => CollapseAroundFork(c, CollapseTest.FullyShared), Always(P), MadvCollapse),
        new("Basic COW after fork() when collapsing after fork() (lower shared)", CowFamilyScope.AnonThp, c => CollapseAroundFork(c, CollapseTest.LowerShared), Always(P), MadvCollapse),
        new("Basic COW after fork() when collapsing after fork() (upper shared)", CowFamilyScope.AnonThp, c => CollapseAroundFork(c, CollapseTest.UpperShared), Always(P), MadvCollapse),
        new("Basic COW", CowFamilyScope.NonAnon, BasicCow, Always(P)),
        // 84209e87c696 (6.2): R/O long-term pins unshare the zero page and page-cache pages of COW mappings
        new("R/O longterm GUP pin", CowFamilyScope.NonAnon, c => RoPin(c, RoPinTest.Plain, fast: false), Generations(mapcount: F, refcount: F, exclusive: P)),
        new("R/O longterm GUP-fast pin", CowFamilyScope.NonAnon, c => RoPin(c, RoPinTest.Plain, fast: true), Generations(mapcount: F, refcount: F, exclusive: P)),
    ];

    private enum CollapseTest
    {
        Unshared,
        FullyShared,
        LowerShared,
        UpperShared,
    }

    private enum RoPinTest
    {
        Plain,
        Shared,
        PreviouslyShared,
        RoExclusive,
    }

    private static Func<CowSemantics, MemoryKind, SelftestResult> Always(SelftestResult result) => (_, _) => result;

    private static Func<CowSemantics, MemoryKind, SelftestResult> Generations(SelftestResult mapcount, SelftestResult refcount, SelftestResult exclusive,
        SelftestResult? refcountSwapped = null, SelftestResult? refcountPmd = null, SelftestResult? mapcountSharedRemainder = null,
        SelftestResult? refcountHugetlb = null, SelftestResult? exclusiveHugetlb = null, SelftestResult? mapcountKsm = null) =>
        (semantics, kind) => semantics switch
        {
            // hugetlb reuses by mapcount in every generation (7dad331be781: the vmsplice cases are XFAIL today)
            CowSemantics.AnonExclusive when kind.Hugetlb => exclusiveHugetlb ?? exclusive,
            CowSemantics.RefcountReuse when kind.Hugetlb => refcountHugetlb ?? refcount,
            // the mapcount rule's maximum over all subpages sees the still-shared remainder of K9; the
            // research table's FAIL for PTE-mapped kinds is an inference that the 5.7 code does not bear out here
            CowSemantics.MapcountReuse when kind.SharedRemainder => mapcountSharedRemainder ?? mapcount,
            // a KSM page (not in cow.c; derived, not recorded): do_wp_page() copies it in every generation, so the
            // families that failed by wrongful reuse pass, and those that passed by rightful reuse fail
            CowSemantics.MapcountReuse when kind.Ksm => mapcountKsm ?? mapcount,
            CowSemantics.MapcountReuse => mapcount,
            CowSemantics.RefcountReuse when kind.PmdMapped => refcountPmd ?? refcount,
            CowSemantics.RefcountReuse when kind.Swapped => refcountSwapped ?? refcount,
            CowSemantics.RefcountReuse => refcount,
            _ => exclusive,
        };

    /// <summary>do_test_cow_in_parent(): fork; the child prepares (<paramref name="child"/>), the parent writes, the child checks.</summary>
    private static (bool, string) CowInParent(CowContext c, bool mprotect, Func<CowContext, Process, Func<(bool, string)>> child)
    {
        var forked = c.Process.Fork();
        var check = child(c, forked);
        if (mprotect)
        {
            c.Process.Mprotect(c.Mem, (ulong)c.Size, Prot.Read);
            c.Process.Mprotect(c.Mem, (ulong)c.Size, Prot.Read | Prot.Write);
        }
        MemoryImage.Fill(c.Process, c.Mem, 0xff, c.Size);
        var result = check();
        forked.Exit();
        return result;
    }

    /// <summary>child_memcmp_fn(): the child keeps a copy and compares after the parent wrote.</summary>
    private static Func<(bool, string)> ChildCompares(CowContext c, Process child)
    {
        var old = c.Snapshot(child, c.Mem);
        return () => Compare(old, c.Snapshot(child, c.Mem), "No leak from parent into child");
    }

    /// <summary>child_vmsplice_memcmp_fn(): vmsplice (a R/O GUP reference) into a pipe, unmap, read the pipe later.</summary>
    private static Func<(bool, string)> ChildVmspliceCompares(CowContext c, Process child)
    {
        var old = c.Snapshot(child, c.Mem);
        var pipe = child.GetUserPages(c.Mem, c.Size / Machine.PageSize, GupFlags.None);
        child.Munmap(c.Mem, (ulong)c.Size);
        return () =>
        {
            var seen = MemoryImage.Of(pipe);
            pipe.Release();
            return Compare(old, seen, "No leak from parent into child");
        };
    }

    /// <summary>do_test_vmsplice_in_parent(): the parent's pipe holds the page; the child writes after the parent unmapped it.</summary>
    private static (bool, string) VmspliceInParent(CowContext c, bool beforeFork)
    {
        var old = c.Snapshot(c.Process, c.Mem);
        GupPages? pipe = beforeFork ? c.Process.GetUserPages(c.Mem, c.Size / Machine.PageSize, GupFlags.None) : null;
        var child = c.Process.Fork();
        pipe ??= c.Process.GetUserPages(c.Mem, c.Size / Machine.PageSize, GupFlags.None);
        c.Process.Munmap(c.Mem, (ulong)c.Size);
        MemoryImage.Fill(child, c.Mem, 0xff, c.Size);
        child.Exit();
        var seen = MemoryImage.Of(pipe);
        pipe.Release();
        return Compare(old, seen, "No leak from child into parent");
    }

    /// <summary>
    /// do_test_iouring(): registering a fixed buffer is a R/W long-term pin; after the process writes, a
    /// write_fixed sends what the pin sees to a file, which must be what the process sees.
    /// </summary>
    private static (bool, string) IoUring(CowContext c, bool useFork)
    {
        using var buffer = c.Process.PinUserPages(c.Mem, c.Size / Machine.PageSize, GupFlags.Write | GupFlags.Longterm);
        Process? child = null;
        if (useFork)
        {
            child = c.Process.Fork();
        }
        else
        {
            // map the page R/O; soft-dirty tracking keeps mprotect() from mapping it writable again
            c.Process.ClearSoftDirty();
            c.Process.Mprotect(c.Mem, (ulong)c.Size, Prot.Read);
            c.Process.Mprotect(c.Mem, (ulong)c.Size, Prot.Read | Prot.Write);
        }
        MemoryImage.Fill(c.Process, c.Mem, 0xff, c.Size);
        var written = MemoryImage.Of(buffer);
        var result = Compare(c.Snapshot(c.Process, c.Mem), written, "Longterm R/W pin is reliable");
        child?.Exit();
        return result;
    }

    /// <summary>do_test_ro_pin(): a R/O long-term pin must see the write that follows it.</summary>
    private static (bool, string) RoPin(CowContext c, RoPinTest test, bool fast)
    {
        Process? child = null;
        switch (test)
        {
            case RoPinTest.Shared:
                child = c.Process.Fork();
                break;
            case RoPinTest.PreviouslyShared:
                c.Process.Fork().Exit();
                break;
            case RoPinTest.RoExclusive:
                c.Process.ClearSoftDirty();
                c.Process.Mprotect(c.Mem, (ulong)c.Size, Prot.Read);
                c.Process.Mprotect(c.Mem, (ulong)c.Size, Prot.Read | Prot.Write);
                break;
        }
        var flags = GupFlags.Longterm | (fast ? GupFlags.Fast : GupFlags.None);
        using var pin = c.Process.PinUserPages(c.Mem, c.Size / Machine.PageSize, flags);
        MemoryImage.Fill(c.Process, c.Mem, 0xff, c.Size);
        var result = Compare(c.Snapshot(c.Process, c.Mem), MemoryImage.Of(pin), "Longterm R/O pin is reliable");
        child?.Exit();
        return result;
    }

    /// <summary>
    /// do_test_anon_thp_collapse(): PTE-map the THP, collapse it before or after fork() (with half of it kept
    /// from the child by MADV_DONTFORK), write it all in the parent; the child's shared part must keep the old data.
    /// </summary>
    private static (bool, string) CollapseAroundFork(CowContext c, CollapseTest test)
    {
        var p = c.Process;
        ulong half = (ulong)c.Size / 2;
        p.Mprotect(c.Mem + Machine.PageSize, Machine.PageSize, Prot.Read);
        p.Mprotect(c.Mem + Machine.PageSize, Machine.PageSize, Prot.Read | Prot.Write);
        switch (test)
        {
            case CollapseTest.Unshared:
                Collapse(c);
                break;
            case CollapseTest.LowerShared:
                p.Madvise(c.Mem + half, half, Advice.DontFork);
                break;
            case CollapseTest.UpperShared:
                p.Madvise(c.Mem, half, Advice.DontFork);
                break;
        }
        var child = p.Fork();
        try
        {
            ulong shared = test == CollapseTest.UpperShared ? c.Mem + half : c.Mem;
            int size = test is CollapseTest.LowerShared or CollapseTest.UpperShared ? (int)half : c.Size;
            var old = MemoryImage.Of(child, shared, size);
            if (test != CollapseTest.Unshared)
            {
                p.Madvise(c.Mem, (ulong)c.Size, Advice.DoFork); // the areas merge again, so the range can collapse
                Collapse(c);
            }
            MemoryImage.Fill(p, c.Mem, 0xff, c.Size);
            var seen = MemoryImage.Of(child, shared, size);
            return Compare(old, seen, "No leak from parent into child");
        }
        finally
        {
            child.Exit();
        }
    }

    /// <summary>madvise(MADV_COLLAPSE); cow.c skips the case when it fails.</summary>
    private static void Collapse(CowContext c)
    {
        try
        {
            c.Process.Madvise(c.Mem, (ulong)c.Size, Advice.Collapse);
        }
        catch (MmException error)
        {
            throw new SelftestSkipException($"MADV_COLLAPSE failed: {error.Errno}");
        }
    }

    /// <summary>test_cow(): writing the private mapping must not show through the other mapping.</summary>
    private static (bool, string) BasicCow(CowContext c)
    {
        var old = c.Snapshot(c.Process, c.SharedView);
        MemoryImage.Fill(c.Process, c.Mem, 0xff, c.Size);
        return Compare(old, c.Snapshot(c.Process, c.SharedView), "Other mapping not modified");
    }

    private static (bool, string) Compare(MemoryImage expected, MemoryImage actual, string what) =>
        expected.SameAs(actual) ? (true, what) : (false, $"{what}: the contents differ");
}
