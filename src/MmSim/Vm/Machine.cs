using System;
using System.Collections.Generic;
using System.Threading;
using MmSim.Diagnostics;
using MmSim.PageTables;
using MmSim.Physical;
using MmSim.Semantics;
using MmSim.Vm;

namespace MmSim;

/// <summary>
/// A simulated machine: RAM, the processes running on it, their files, and the COW generation they
/// follow. Thread-safe: processes may be driven from several threads at once.
/// </summary>
public sealed class Machine : IDisposable
{
    /// <summary>PAGE_SIZE.</summary>
    public const int PageSize = PhysicalMemory.PageSize;

    private readonly List<Process> _processes = new();
    private readonly List<SimFile> _files = new();
    private readonly HashSet<GupPages> _gups = new();
    private int _lastPid;
    private long _pinnedPages;

    public Machine(MachineOptions? options = null)
    {
        Options = options ?? new MachineOptions();
        Memory = new PhysicalMemory(Options.MemoryBytes, Options.DebugVm, Options.MovableBytes, Options.DevicePrivateBytes);
        Policy = CowPolicy.For(Options.Semantics);
        Ksm = new Ksm.KsmScanner(this);
        Swap = Options.SwapBytes > 0 ? new Swap.SwapDevice(Memory, Options.SwapBytes) : null;
        var pools = Options.HugetlbPoolBytes;
        if (pools.Count > 1 && pools[1] > 0)
            throw new MmException(Errno.EINVAL, "1 GiB hugetlb pages need gigantic (contiguous) allocation, which the simulator does not model");
        HugetlbPool = pools.Count > 0 && pools[0] > 0 ? new Hugetlb.HugetlbPool(Memory, pools[0]) : null;
    }

    /// <summary>The options the machine was built with.</summary>
    public MachineOptions Options { get; }

    /// <summary>The simulated RAM, for page-level work (flags, folios, the buddy allocator).</summary>
    public PhysicalMemory Physical => Memory;

    internal PhysicalMemory Memory { get; }

    internal CowPolicy Policy { get; }

    internal PtLockPool PtLocks { get; } = new();

    internal MmIdAllocator MmIds { get; } = new();

    internal Ksm.KsmScanner Ksm { get; }

    /// <summary>Frames taken out of use by memory failure.</summary>
    internal MemoryFailure.MemoryFailureHandler MemoryFailure { get; } = new();

    /// <summary>The pool of 2 MiB hugetlb pages, if the machine has one.</summary>
    internal Hugetlb.HugetlbPool? HugetlbPool { get; }

    /// <summary>The swap device, if the machine has one.</summary>
    internal Swap.SwapDevice? Swap { get; }

    /// <summary>Creates a process with an empty address space.</summary>
    public Process CreateProcess()
    {
        var pageTable = PageTable.TryCreate(Memory, PtLocks) ?? throw new MmException(Errno.ENOMEM, "no free page for a page table");
        var process = new Process(this, Interlocked.Increment(ref _lastPid), new Mm(this, pageTable));
        lock (_processes)
            _processes.Add(process);
        return process;
    }

    /// <summary>Creates a regular file whose page cache holds <paramref name="contents"/>.</summary>
    public SimFile CreateFile(string name, ReadOnlySpan<byte> contents)
    {
        var file = new SimFile(Memory, name, contents.Length, shmem: false);
        file.ReadIn(contents);
        lock (_files)
            _files.Add(file);
        return file;
    }

    /// <summary>memfd_create() + ftruncate(): a shmem file of <paramref name="length"/> bytes, zero-filled on first touch.</summary>
    public SimFile CreateMemfd(string name, long length, bool hugetlb = false)
    {
        var file = hugetlb
            ? SimFile.CreateHugetlb(Memory, HugetlbPool ?? throw new MmException(Errno.ENOMEM, "hugetlb memfd: the machine has no hugetlb pool"), name, length)
            : new SimFile(Memory, name, length, shmem: true);
        lock (_files)
            _files.Add(file);
        return file;
    }

    /// <summary>The shmem file behind a MAP_SHARED | MAP_ANONYMOUS area (shmem_zero_setup()).</summary>
    internal SimFile CreateSharedAnonFile(long length)
    {
        var file = new SimFile(Memory, "dev/zero (deleted)", length, shmem: true, unlinked: true);
        lock (_files)
        {
            _files.RemoveAll(f => f.Released);
            _files.Add(file);
        }
        return file;
    }

    /// <summary>
    /// One full KSM scan, as ksmd does it: identical pages of MADV_MERGEABLE areas that were unchanged since
    /// the previous scan are merged into one write-protected KSM page. A maybe-pinned page is never merged.
    /// </summary>
    public void RunKsm() => Ksm.FullScan();

    /// <summary>
    /// echo 1 &gt; /proc/sys/vm/compact_memory: compacts every zone, moving small anonymous pages from the
    /// bottom of each zone to free pages at its top so that free memory forms blocks large enough for THPs.
    /// Pinned, KSM and large folios stay. Returns the number of pages moved.
    /// </summary>
    public int CompactMemory() => Migration.Compaction.CompactMemory(this);

    /// <summary>
    /// Fault injection like fail_page_alloc: after <paramref name="space"/> more allocations (pages, page
    /// tables, hugetlb pages outside reservations, swap slots) succeed, the next <paramref name="times"/>
    /// fail, as if memory were exhausted. Each failing operation then fails with the kernel's errno (or
    /// falls back, as a THP fault does) and leaves the machine consistent.
    /// </summary>
    public void FailAllocations(int space, int times = 1)
    {
        if (space < 0 || times < 1)
            throw new MmException(Errno.EINVAL, $"space {space} and times {times}: space must be at least 0 and times at least 1");
        Memory.FailPageAlloc.Arm(space, times);
    }

    /// <summary>Stops injecting allocation failures.</summary>
    public void StopFailingAllocations() => Memory.FailPageAlloc.Disarm();

    /// <summary>How many allocation failures were injected so far.</summary>
    public int InjectedAllocationFailures => Memory.FailPageAlloc.Injected;

    /// <summary>A snapshot of the memory counters.</summary>
    public MemoryStats Stats
    {
        get
        {
            var counts = MemoryCensus.Take(Memory);
            long pageTables = 0;
            foreach (var process in Processes())
                pageTables += process.PageTablePages;
            long hugetlbTotal = (HugetlbPool?.Total ?? 0) * (long)Thp.HugePmd.NrPages;
            long hugetlbFree = (HugetlbPool?.FreeCount ?? 0) * (long)Thp.HugePmd.NrPages;
            return new MemoryStats(Memory.FreePages, counts.AnonPages, Interlocked.Read(ref _pinnedPages), Swap?.UsedSlots ?? 0,
                hugetlbTotal, hugetlbFree, pageTables, counts.FilePages);
        }
    }

    /// <summary>Walks all state and throws <see cref="MmInvariantException"/> on the first violation.</summary>
    public void CheckInvariants() => InvariantChecker.Check(this);

    /// <summary>
    /// alloc_pages() for user memory: when no frame is free and there is swap, direct reclaim swaps out
    /// some of the oldest anonymous pages and the allocation is tried again; null means out of memory.
    /// </summary>
    internal PageFlags.Folio? AllocUserFolio(Gfp gfp)
    {
        for (int attempt = 0; ; attempt++)
        {
            if (Memory.AllocFolio(0, gfp | Gfp.Movable) is { } folio)
                return folio;
            if (Swap is null || attempt == 3 || global::MmSim.Swap.Reclaim.FromLru(this, 32) == 0)
                return null;
        }
    }

    private PageFlags.Folio? _hugeZeroPage;

    /// <summary>
    /// get_huge_zero_page(): the shared 2 MiB zero folio, allocated on first use and kept (read faults in
    /// THP areas map it, as with transparent_hugepage/use_zero_page = 1); null without a free 2 MiB block.
    /// </summary>
    internal PageFlags.Folio? HugeZeroPage()
    {
        lock (_processes)
        {
            _hugeZeroPage ??= Memory.AllocFolio(Thp.HugePmd.Order, Gfp.Zero, CompoundDtor.TransHuge);
            return _hugeZeroPage;
        }
    }

    /// <summary>The huge zero folio if it was allocated (for checks).</summary>
    internal PageFlags.Folio? HugeZeroPageIfAllocated
    {
        get
        {
            lock (_processes)
                return _hugeZeroPage;
        }
    }

    /// <summary>Counts FOLL_PIN pins (NR_FOLL_PIN_ACQUIRED - NR_FOLL_PIN_RELEASED).</summary>
    internal void AddPinnedPages(long delta) => Interlocked.Add(ref _pinnedPages, delta);

    internal void TrackGup(GupPages gup)
    {
        lock (_gups)
            _gups.Add(gup);
    }

    internal void ForgetGup(GupPages gup)
    {
        lock (_gups)
            _gups.Remove(gup);
    }

    /// <summary>GUP references not yet released.</summary>
    internal IReadOnlyList<GupPages> OutstandingGups()
    {
        lock (_gups)
            return new List<GupPages>(_gups);
    }

    internal IReadOnlyList<Process> Processes()
    {
        lock (_processes)
            return _processes.ToArray();
    }

    internal IReadOnlyList<SimFile> Files()
    {
        lock (_files)
            return _files.FindAll(f => !f.Released);
    }

    internal void Forget(Process process)
    {
        lock (_processes)
            _processes.Remove(process);
    }

    /// <summary>Exits every process that is still running.</summary>
    public void Dispose()
    {
        foreach (var process in Processes())
            process.Exit();
    }
}
