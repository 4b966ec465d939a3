namespace MmSim.Differential.Sequences;

/// <summary>
/// One step of a sequence. Processes, areas and references are small integers named by the
/// sequence itself (addresses differ between the kernel and the simulator); pages count from the
/// start of their area. <see cref="ToString"/> is the line the native driver reads.
/// </summary>
public abstract record Op
{
    /// <summary>The process the step runs in, or -1 for steps on a reference (its owner runs them).</summary>
    public abstract int Process { get; }
}

/// <summary>
/// How an area is mapped: private anon, shared anon, private or shared memfd, private anon with MADV_HUGEPAGE on a
/// 2 MiB boundary, private anonymous hugetlb memory of 2 MiB or 1 GiB pages, or shared anonymous hugetlb memory of
/// 2 MiB pages. The hugetlb kinds need a pool on both sides (<see cref="Execution.KernelHugetlbPool"/>), so only
/// scenarios use them, never random sequences.
/// </summary>
public enum AreaKind { Anon, Shared, Memfd, ShMemfd, Thp, Hugetlb, Hugetlb1G, SharedHugetlb }

/// <summary>Page sizes of the hugetlb kinds.</summary>
public static class AreaKinds
{
    /// <summary>4 KiB pages per huge page of <paramref name="kind"/>; 1 for the other kinds.</summary>
    public static int HugePages(this AreaKind kind) => kind switch
    {
        AreaKind.Hugetlb or AreaKind.SharedHugetlb => 512,
        AreaKind.Hugetlb1G => 1 << 18,
        _ => 1,
    };
}

public sealed record MmapOp(int P, int Area, int Pages, AreaKind Kind) : Op
{
    public override int Process => P;
    public override string ToString() => $"mmap {P} {Area} {Pages} {Kind.ToString().ToLowerInvariant()}";
}

/// <summary>A CPU store that fills the page with <see cref="Value"/>.</summary>
public sealed record WriteOp(int P, int Area, int Page, int Value) : Op
{
    public override int Process => P;
    public override string ToString() => $"write {P} {Area} {Page} {Value}";
}

/// <summary>A CPU load of the whole page: its byte, or "mixed".</summary>
public sealed record ReadOp(int P, int Area, int Page) : Op
{
    public override int Process => P;
    public override string ToString() => $"read {P} {Area} {Page}";
}

public sealed record MunmapOp(int P, int Area, int Page, int Count) : Op
{
    public override int Process => P;
    public override string ToString() => $"munmap {P} {Area} {Page} {Count}";
}

/// <summary>Protection words: "none", "r", "rw".</summary>
public sealed record MprotectOp(int P, int Area, int Page, int Count, string Prot) : Op
{
    public override int Process => P;
    public override string ToString() => $"mprotect {P} {Area} {Page} {Count} {Prot}";
}

/// <summary>Advice words as the driver names them: "dontneed", "dontfork", "populate_write", ...</summary>
public sealed record MadviseOp(int P, int Area, int Page, int Count, string Advice) : Op
{
    public override int Process => P;
    public override string ToString() => $"madvise {P} {Area} {Page} {Count} {Advice}";
}

/// <summary>mremap(MREMAP_MAYMOVE | MREMAP_FIXED) of pages [Page, Page+Count) onto a fresh place, which becomes area <see cref="NewArea"/>.</summary>
public sealed record MremapOp(int P, int Area, int Page, int Count, int NewArea) : Op
{
    public override int Process => P;
    public override string ToString() => $"mremap {P} {Area} {Page} {Count} {NewArea}";
}

public sealed record ForkOp(int P, int Child) : Op
{
    public override int Process => P;
    public override string ToString() => $"fork {P} {Child}";
}

public sealed record ExitOp(int P) : Op
{
    public override int Process => P;
    public override string ToString() => $"exit {P}";
}

/// <summary>vmsplice() of the pages into a pipe: FOLL_GET references, read back by <see cref="DrainOp"/>.</summary>
public sealed record VmspliceOp(int P, int Area, int Page, int Count, int Ref) : Op
{
    public override int Process => P;
    public override string ToString() => $"vmsplice {P} {Area} {Page} {Count} {Ref}";
}

/// <summary>Reads the whole pipe: one value per page, as the referenced pages hold them now.</summary>
public sealed record DrainOp(int Ref) : Op
{
    public override int Process => -1;
    public override string ToString() => $"drain {Ref}";
}

/// <summary>io_uring buffer registration: FOLL_PIN | FOLL_LONGTERM | FOLL_WRITE over the pages.</summary>
public sealed record PinOp(int P, int Area, int Page, int Count, int Ref) : Op
{
    public override int Process => P;
    public override string ToString() => $"pin {P} {Area} {Page} {Count} {Ref}";
}

/// <summary>What the device reads from a pinned page (IORING_OP_WRITE_FIXED).</summary>
public sealed record PinReadOp(int Ref, int Page) : Op
{
    public override int Process => -1;
    public override string ToString() => $"pinread {Ref} {Page}";
}

/// <summary>The device fills a pinned page with <see cref="Value"/> (IORING_OP_READ_FIXED).</summary>
public sealed record PinWriteOp(int Ref, int Page, int Value) : Op
{
    public override int Process => -1;
    public override string ToString() => $"pinwrite {Ref} {Page} {Value}";
}

public sealed record UnpinOp(int Ref) : Op
{
    public override int Process => -1;
    public override string ToString() => $"unpin {Ref}";
}

/// <summary>A write of the whole page through /proc/self/mem: FOLL_FORCE | FOLL_WRITE.</summary>
public sealed record MemWriteOp(int P, int Area, int Page, int Value) : Op
{
    public override int Process => P;
    public override string ToString() => $"memwrite {P} {Area} {Page} {Value}";
}

/// <summary>/proc/self/pagemap and /proc/kpageflags for one page.</summary>
public sealed record PageMapOp(int P, int Area, int Page) : Op
{
    public override int Process => P;
    public override string ToString() => $"pagemap {P} {Area} {Page}";
}

/// <summary>Whether two mappings show the same frame (their pagemap PFNs).</summary>
public sealed record SameOp(int P, int Area, int Page, int Q, int OtherArea, int OtherPage) : Op
{
    public override int Process => P;
    public override string ToString() => $"same {P} {Area} {Page} {Q} {OtherArea} {OtherPage}";
}
