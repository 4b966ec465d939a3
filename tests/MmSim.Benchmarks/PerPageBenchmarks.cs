using BenchmarkDotNet.Attributes;

namespace MmSim.Benchmarks;

/// <summary>
/// The cost per 4 KiB page of the operations bench/kernel_baseline.c times on the real kernel: each
/// benchmark touches every page of an area once, and OperationsPerInvoke makes BenchmarkDotNet report
/// nanoseconds per page. The machine is built afresh for each invocation (IterationSetup), outside the
/// measured time.
/// </summary>
[MemoryDiagnoser]
public class PerPageBenchmarks
{
    private const int PageSize = Machine.PageSize;
    private Machine _machine = null!;
    private Process _process = null!;
    private Process? _child;
    private ulong _area;

    /// <summary>Area size: 64 MiB and 1 GiB, as the issue asks.</summary>
    [Params(64L << 20, 1L << 30)]
    public long AreaBytes { get; set; }

    private int Pages => (int)(AreaBytes / PageSize);

    private void NewMachine(bool thp = false, long swap = 0)
    {
        _machine = new Machine(new MachineOptions { MemoryBytes = AreaBytes * 2 + (64L << 20), SwapBytes = swap, Thp = thp ? ThpMode.Always : ThpMode.Never });
        _process = _machine.CreateProcess();
        _area = _process.Mmap(0, (ulong)AreaBytes, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Anonymous);
    }

    private void TouchAll()
    {
        for (ulong offset = 0; offset < (ulong)AreaBytes; offset += PageSize)
            _process.Write(_area + offset, One);
    }

    private static readonly byte[] One = [1];

    [IterationCleanup]
    public void Cleanup() => _machine.Dispose();

    [IterationSetup(Targets = [nameof(PopulateByWrite), nameof(PopulateByMadvise), nameof(ReadFaultZeroPage)])]
    public void SetupEmpty() => NewMachine();

    /// <summary>First-touch writes: do_anonymous_page.</summary>
    [Benchmark]
    public void PopulateByWrite() => TouchAll();

    /// <summary>MADV_POPULATE_WRITE over the area.</summary>
    [Benchmark]
    public void PopulateByMadvise() => _process.Madvise(_area, (ulong)AreaBytes, Advice.PopulateWrite);

    /// <summary>Read faults that map the shared zero page.</summary>
    [Benchmark]
    public void ReadFaultZeroPage()
    {
        var one = new byte[1];
        for (ulong offset = 0; offset < (ulong)AreaBytes; offset += PageSize)
            _process.Read(_area + offset, one);
    }

    [IterationSetup(Targets = [nameof(Fork), nameof(PinReadOnly), nameof(PinReadOnlyFast), nameof(PinWritable), nameof(PinWritableFast), nameof(GetReadOnly)])]
    public void SetupPopulated()
    {
        NewMachine();
        TouchAll();
    }

    /// <summary>fork() of a process with the whole area populated (copy_page_range), per page.</summary>
    [Benchmark]
    public void Fork() => _child = _process.Fork();

    /// <summary>pin_user_pages(FOLL_LONGTERM) and unpin, in batches of 64 pages.</summary>
    [Benchmark]
    public void PinReadOnly() => PinAll(GupFlags.Longterm, pin: true);

    /// <summary>GUP-fast pin_user_pages(FOLL_LONGTERM) and unpin, in batches of 64 pages.</summary>
    [Benchmark]
    public void PinReadOnlyFast() => PinAll(GupFlags.Longterm | GupFlags.Fast, pin: true);

    /// <summary>pin_user_pages(FOLL_WRITE | FOLL_LONGTERM) on the slow path and unpin, in batches of 64 pages.</summary>
    [Benchmark]
    public void PinWritable() => PinAll(GupFlags.Write | GupFlags.Longterm, pin: true);

    /// <summary>GUP-fast pin_user_pages(FOLL_WRITE | FOLL_LONGTERM) and unpin, in batches of 64 pages.</summary>
    [Benchmark]
    public void PinWritableFast() => PinAll(GupFlags.Write | GupFlags.Longterm | GupFlags.Fast, pin: true);

    /// <summary>get_user_pages() (vmsplice's FOLL_GET) and put, in batches of 64 pages.</summary>
    [Benchmark]
    public void GetReadOnly() => PinAll(GupFlags.None, pin: false);

    private void PinAll(GupFlags flags, bool pin)
    {
        const int Batch = 64;
        for (ulong offset = 0; offset < (ulong)AreaBytes; offset += Batch * PageSize)
        {
            using var pages = pin ? _process.PinUserPages(_area + offset, Batch, flags) : _process.GetUserPages(_area + offset, Batch, flags);
        }
    }

    [IterationSetup(Targets = [nameof(CowWriteInChild), nameof(ReuseInParentAfterChildExit)])]
    public void SetupForked()
    {
        SetupPopulated();
        _child = _process.Fork();
    }

    /// <summary>Write faults in the child after fork: wp_page_copy for every page.</summary>
    [Benchmark]
    public void CowWriteInChild()
    {
        for (ulong offset = 0; offset < (ulong)AreaBytes; offset += PageSize)
            _child!.Write(_area + offset, One);
    }

    /// <summary>Write faults in the parent after the child exited: reuse in place (page_move_anon_rmap).</summary>
    [Benchmark]
    public void ReuseInParentAfterChildExit()
    {
        _child!.Exit();
        TouchAll();
    }

    [IterationSetup(Targets = [nameof(ThpPopulate)])]
    public void SetupThp() => NewMachine(thp: true);

    [IterationSetup(Targets = [nameof(ThpCowWriteInChild)])]
    public void SetupThpForked()
    {
        NewMachine(thp: true);
        TouchAll();
        _child = _process.Fork();
    }

    /// <summary>Write faults in the child after fork on PMD-mapped THPs: do_huge_pmd_wp_page splits, one page copied per fault.</summary>
    [Benchmark]
    public void ThpCowWriteInChild()
    {
        for (ulong offset = 0; offset < (ulong)AreaBytes; offset += PageSize)
            _child!.Write(_area + offset, One);
    }

    /// <summary>First-touch writes with THP always: one huge fault per 2 MiB, reported per 4 KiB page.</summary>
    [Benchmark]
    public void ThpPopulate() => TouchAll();

    [IterationSetup(Targets = [nameof(SwapOutAndIn)])]
    public void SetupSwap()
    {
        NewMachine(swap: AreaBytes + (16L << 20));
        TouchAll();
    }

    /// <summary>MADV_PAGEOUT of the area, then a read of every page (do_swap_page).</summary>
    [Benchmark]
    public void SwapOutAndIn()
    {
        _process.Madvise(_area, (ulong)AreaBytes, Advice.PageOut);
        var one = new byte[1];
        for (ulong offset = 0; offset < (ulong)AreaBytes; offset += PageSize)
            _process.Read(_area + offset, one);
    }
}
