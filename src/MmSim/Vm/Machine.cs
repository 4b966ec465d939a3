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
        Hstates = CreateHstates(Memory, Options.HugetlbPoolBytes);
        Memory.HugetlbFree = folio => HstateOf(folio).Free(folio);
    }

    /// <summary>
    /// hugetlb_init(): the default 2 MiB hstate always exists (with no pages unless <c>HugetlbPoolBytes[0]</c> asks
    /// for some); the 1 GiB one exists when <c>HugetlbPoolBytes</c> names it, as <c>hugepagesz=1G</c> makes it.
    /// Gigantic pages are taken first, as the kernel allocates them at boot before the buddy allocator is up.
    /// </summary>
    private static Hugetlb.HugetlbPool[] CreateHstates(PhysicalMemory memory, IReadOnlyList<long> bytes)
    {
        if (bytes.Count > 2)
            throw new MmException(Errno.EINVAL, $"HugetlbPoolBytes names {bytes.Count} sizes; x86-64 has two: 2 MiB and 1 GiB");
        foreach (long size in bytes)
        {
            if (size < 0)
                throw new MmException(Errno.EINVAL, $"hugetlb pool of {size} bytes");
        }
        var gigantic = bytes.Count > 1 ? new Hugetlb.HugetlbPool(memory, bytes[1], PageTable.PudShift) : null;
        var huge = new Hugetlb.HugetlbPool(memory, bytes.Count > 0 ? bytes[0] : 0, PageTable.PmdShift);
        return gigantic is null ? [huge] : [huge, gigantic];
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

    /// <summary>The hugetlb pools, one per page size (hstates[]): 2 MiB first (default_hstate), then 1 GiB if configured.</summary>
    internal IReadOnlyList<Hugetlb.HugetlbPool> Hstates { get; }

    /// <summary>The 2 MiB pool (default_hstate).</summary>
    internal Hugetlb.HugetlbPool DefaultHstate => Hstates[0];

    /// <summary>size_to_hstate(): the pool of pages of 2^<paramref name="shift"/> bytes, or null if the machine has none.</summary>
    internal Hugetlb.HugetlbPool? HstateOfShift(int shift)
    {
        foreach (var hstate in Hstates)
        {
            if (hstate.Shift == shift)
                return hstate;
        }
        return null;
    }

    /// <summary>The 1 GiB pool; EINVAL without one (no hstate of that size, as without <c>hugepagesz=1G</c>).</summary>
    internal Hugetlb.HugetlbPool Gigantic(string caller) =>
        HstateOfShift(PageTable.PudShift) ?? throw new MmException(Errno.EINVAL, $"{caller}: the machine has no 1 GiB hugetlb pages (HugetlbPoolBytes[1])");

    /// <summary>folio_hstate(): the pool a hugetlb folio belongs to.</summary>
    internal Hugetlb.HugetlbPool HstateOf(PageFlags.Folio folio) =>
        HstateOfShift(folio.Order + PageTable.PageShift) ?? throw MmBug.Bug(folio.Head, "a hugetlb folio of no pool's size");

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

    /// <summary>
    /// memfd_create() + ftruncate(): a shmem file of <paramref name="length"/> bytes, zero-filled on first touch;
    /// with <paramref name="hugetlb"/> (MFD_HUGETLB) a hugetlbfs file of 2 MiB pages, with <paramref name="hugetlb1G"/>
    /// (MFD_HUGETLB | MFD_HUGE_1GB) one of 1 GiB pages, EINVAL if the machine has no 1 GiB hstate.
    /// </summary>
    public SimFile CreateMemfd(string name, long length, bool hugetlb = false, bool hugetlb1G = false)
    {
        var file = hugetlb || hugetlb1G
            ? SimFile.CreateHugetlb(Memory, hugetlb1G ? Gigantic("memfd_create(MFD_HUGE_1GB)") : DefaultHstate, name, length)
            : new SimFile(Memory, name, length, shmem: true);
        lock (_files)
            _files.Add(file);
        return file;
    }

    /// <summary>The shmem file behind a MAP_SHARED | MAP_ANONYMOUS area (shmem_zero_setup()).</summary>
    internal SimFile CreateSharedAnonFile(long length, Hugetlb.HugetlbPool? hstate = null)
    {
        var file = hstate is null
            ? new SimFile(Memory, "dev/zero (deleted)", length, shmem: true, unlinked: true)
            : SimFile.CreateSharedAnonHugetlb(Memory, hstate, length);
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
            long hugetlbTotal = 0, hugetlbFree = 0;
            foreach (var hstate in Hstates)
            {
                hugetlbTotal += (long)hstate.Total * hstate.NrPages;
                hugetlbFree += (long)hstate.FreeCount * hstate.NrPages;
            }
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
