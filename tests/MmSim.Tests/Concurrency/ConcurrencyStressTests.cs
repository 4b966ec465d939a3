using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using MmSim.Tests.Vm;
using Xunit;

namespace MmSim.Tests.Concurrency;

/// <summary>
/// Bounded races (about a second each) between GUP-fast pins, writers, fork, migration, device memory and
/// compaction: a pin must always see what its owner sees, a child must never see the parent's later writes,
/// a writer always reads back what it wrote, and afterwards every invariant holds.
/// A soak run sets MMSIM_SOAK_SECONDS: each race then runs that long.
/// </summary>
public class ConcurrencyStressTests
{
    private const int Pages = 16;
    private const ulong Page = Machine.PageSize;
    private static readonly TimeSpan Soak = TimeSpan.FromSeconds(
        int.TryParse(Environment.GetEnvironmentVariable("MMSIM_SOAK_SECONDS"), out int seconds) && seconds > 0 ? seconds : 0);
    private static readonly TimeSpan Budget = Soak > TimeSpan.FromSeconds(1) ? Soak : TimeSpan.FromSeconds(1);

    [Fact]
    public async Task Gup_fast_pins_racing_fork_stay_coherent_with_the_parent()
    {
        using var machine = TestMachine.Create(memory: 64L << 20);
        long free = machine.Stats.FreePages;
        var parent = machine.CreateProcess();
        ulong a = parent.MapAnon(Pages);
        parent.Write(a, new byte[Pages * Page]);
        var errors = new ConcurrentQueue<string>();
        int pinsTaken = 0, forks = 0;
        var cap = Stopwatch.StartNew();
        // both sides run until each has done its share (or a generous cap passes): mmap_lock prefers
        // writers, so a time budget alone could let fork starve the pinner's slow path, or the reverse
        bool Going() => (Volatile.Read(ref pinsTaken) < 3000 || Volatile.Read(ref forks) < 100 || cap.Elapsed < Soak)
            && cap.Elapsed < Soak + TimeSpan.FromSeconds(20);
        var pinner = Task.Run(() =>
        {
            var random = new Random(1);
            while (Going())
            {
                int page = random.Next(Pages);
                using var pin = parent.PinUserPages(a + (ulong)page * Page, 1, GupFlags.Fast | GupFlags.Write | GupFlags.Longterm);
                byte value = (byte)random.Next(1, 256);
                pin.Write(0, 100, new[] { value });
                var seen = new byte[1];
                parent.Read(a + (ulong)page * Page + 100, seen);
                if (seen[0] != value)
                    errors.Enqueue($"DMA wrote {value} into page {page}, the parent reads {seen[0]}");
                Interlocked.Increment(ref pinsTaken);
            }
        });
        var forker = Task.Run(() =>
        {
            while (Going())
            {
                var child = parent.Fork();
                child.Exit();
                Interlocked.Increment(ref forks);
                Thread.Yield();
            }
        });
        await Task.WhenAll(pinner, forker);

        Assert.Empty(errors);
        Assert.True(pinsTaken >= 3000 && forks >= 100, $"{pinsTaken} pins, {forks} forks: the race hardly ran");
        machine.CheckInvariants();
        machine.AssertCleanAfterExit(free);
    }

    [Fact]
    public async Task Writers_racing_fork_never_leak_into_the_child()
    {
        using var machine = TestMachine.Create(memory: 64L << 20);
        long free = machine.Stats.FreePages;
        var parent = machine.CreateProcess();
        ulong a = parent.MapAnon(Pages);
        parent.Write(a, new byte[Pages * Page]);
        var errors = new ConcurrentQueue<string>();
        var stop = Stopwatch.StartNew();
        int generation = 0;

        var writers = new Task[2];
        for (int w = 0; w < writers.Length; w++)
        {
            int id = w;
            writers[w] = Task.Run(() =>
            {
                var random = new Random(id);
                while (stop.Elapsed < Budget)
                {
                    int page = random.Next(Pages);
                    // each write stamps the fork generation it happened in; a child forked at generation g
                    // must only ever see stamps below or at g
                    parent.Write(a + (ulong)page * Page + (ulong)(8 * id), BitConverter.GetBytes(Volatile.Read(ref generation)));
                }
            });
        }
        var forker = Task.Run(() =>
        {
            while (stop.Elapsed < Budget)
            {
                int g = Interlocked.Increment(ref generation);
                var child = parent.Fork();
                var snapshot = new byte[Pages * Page];
                child.Read(a, snapshot);
                Thread.Sleep(1); // let the parent write on
                var later = new byte[Pages * Page];
                child.Read(a, later);
                if (!snapshot.AsSpan().SequenceEqual(later))
                    errors.Enqueue($"a child of generation {g} saw the parent's writes after fork");
                for (int i = 0; i < later.Length; i += 8)
                {
                    if (BitConverter.ToInt32(later, i) > g)
                        errors.Enqueue($"a child of generation {g} sees a stamp from generation {BitConverter.ToInt32(later, i)}");
                }
                child.Exit();
            }
        });
        await Task.WhenAll([.. writers, forker]);

        Assert.Empty(errors);
        machine.CheckInvariants();
        machine.AssertCleanAfterExit(free);
    }

    [Fact]
    public async Task Faults_munmap_and_pins_in_parallel_processes_leave_the_machine_consistent()
    {
        using var machine = TestMachine.Create(memory: 64L << 20);
        long free = machine.Stats.FreePages;
        var stop = Stopwatch.StartNew();
        var tasks = new Task[3];
        for (int t = 0; t < tasks.Length; t++)
        {
            int seed = t;
            tasks[t] = Task.Run(() =>
            {
                var random = new Random(seed);
                var p = machine.CreateProcess();
                while (stop.Elapsed < Budget)
                {
                    ulong a = p.MapAnon(8);
                    p.Write(a, new byte[8 * Page]);
                    using (p.PinUserPages(a, 4, GupFlags.Fast | GupFlags.Write))
                    {
                        var child = p.Fork();
                        child.Write(a, new byte[] { 1 });
                        child.Exit();
                    }
                    p.Madvise(a, 4 * Page, Advice.DontNeed);
                    p.Munmap(a, 8 * Page);
                }
                p.Exit();
            });
        }
        await Task.WhenAll(tasks);

        machine.CheckInvariants();
        machine.AssertCleanAfterExit(free);
    }

    [Fact]
    public async Task Migration_racing_writers_pins_and_fork_keeps_data_and_invariants()
    {
        using var machine = TestMachine.Create(memory: 64L << 20);
        var (p, a, last, free) = PopulatedArea(machine);
        var errors = new ConcurrentQueue<string>();
        var stop = Stopwatch.StartNew();

        var writer = OwningWriter(p, a, last, seed: 3, stop, errors);
        var migrator = Task.Run(() =>
        {
            while (stop.Elapsed < Budget)
                p.MovePages(a, Pages);
        });
        var pinnerAndForker = Task.Run(() =>
        {
            var random = new Random(4);
            while (stop.Elapsed < Budget)
            {
                using (p.PinUserPages(a + (ulong)random.Next(Pages) * Page, 1, GupFlags.Fast | GupFlags.Longterm))
                    p.Fork().Exit();
            }
        });
        await Task.WhenAll(writer, migrator, pinnerAndForker);

        AssertDataKept(machine, p, a, last, errors, free);
    }

    [Fact]
    public async Task Device_migration_device_exclusive_and_compaction_racing_writers_and_pins_keep_data()
    {
        using var machine = new Machine(new MachineOptions { MemoryBytes = 64L << 20, DevicePrivateBytes = 1L << 20, DebugVm = true });
        var (p, a, last, free) = PopulatedArea(machine);
        var errors = new ConcurrentQueue<string>();
        var stop = Stopwatch.StartNew();

        var writer = OwningWriter(p, a, last, seed: 5, stop, errors);
        var mover = Task.Run(() =>
        {
            var random = new Random(6);
            while (stop.Elapsed < Budget)
            {
                switch (random.Next(3))
                {
                    case 0:
                        p.MigrateToDevice(a, Pages);
                        break;
                    case 1:
                        p.MakeDeviceExclusive(a + (ulong)random.Next(Pages) * Page, 1);
                        break;
                    default:
                        machine.CompactMemory();
                        break;
                }
            }
        });
        var pinner = Task.Run(() =>
        {
            var random = new Random(7);
            while (stop.Elapsed < Budget)
            {
                int page = random.Next(Pages);
                using var pin = p.PinUserPages(a + (ulong)page * Page, 1, GupFlags.Fast | GupFlags.Longterm);
                var seen = new byte[4];
                pin.Read(0, 0, seen);
            }
        });
        await Task.WhenAll(writer, mover, pinner);

        AssertDataKept(machine, p, a, last, errors, free);
    }

    [Fact]
    public async Task Thp_migration_racing_writers_pins_fork_mprotect_and_collapse_keeps_data_and_invariants()
    {
        const ulong Thp = 2UL << 20;
        using var machine = new Machine(new MachineOptions { MemoryBytes = 64L << 20, Thp = ThpMode.Madvise, DebugVm = true });
        long free = machine.Stats.FreePages;
        var p = machine.CreateProcess();
        ulong area = p.Mmap(0, 2 * Thp, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Anonymous);
        ulong a = (area + Thp - 1) & ~(Thp - 1);
        p.Madvise(a, Thp, Advice.HugePage);
        p.Write(a, new byte[Thp]);
        Assert.True(p.PageMap(a).Thp);
        var last = new int[Pages];
        var errors = new ConcurrentQueue<string>();
        var stop = Stopwatch.StartNew();

        var writer = OwningWriter(p, a, last, seed: 8, stop, errors);
        var migrator = Task.Run(() =>
        {
            while (stop.Elapsed < Budget)
                p.MovePages(a, 512); // the THP moves whole, through a PMD migration entry or PTE ones
        });
        var shaper = Task.Run(() =>
        {
            var random = new Random(9);
            while (stop.Elapsed < Budget)
            {
                switch (random.Next(4))
                {
                    case 0:
                        var child = p.Fork(); // copies a PMD migration entry, demoted to READ, if it meets one
                        child.MovePages(a, 1);
                        child.Exit();
                        break;
                    case 1:
                        p.Mprotect(a + Thp - Page, Page, Prot.Read); // splits the PMD, or the PMD migration entry
                        p.Mprotect(a + Thp - Page, Page, Prot.Read | Prot.Write);
                        break;
                    case 2:
                        try
                        {
                            p.Madvise(a, Thp, Advice.Collapse);
                        }
                        catch (MmException e) when (e.Errno is Errno.EAGAIN or Errno.EINVAL)
                        {
                            // a pin or a migration in flight holds a page: collapse refuses, as the kernel's does
                        }
                        break;
                    default:
                        using (p.PinUserPages(a + (ulong)random.Next(Pages) * Page, 1, GupFlags.Fast | GupFlags.Longterm))
                            Thread.Yield();
                        break;
                }
            }
        });
        await Task.WhenAll(writer, migrator, shaper);

        AssertDataKept(machine, p, a, last, errors, free);
    }

    [Fact]
    public async Task Gigantic_hugetlb_pages_racing_writers_gup_fast_pins_fork_migration_and_unmap_keep_data_and_invariants()
    {
        const ulong Gig = 1UL << 30;
        const MapFlags AnonGig = MapFlags.Private | MapFlags.Anonymous | MapFlags.HugeTlb | MapFlags.HugeTlb1G;
        // four 1 GiB pages: the owned area, a scratch area, and two for the copies fork and COW may need
        using var machine = new Machine(new MachineOptions { MemoryBytes = 5L << 30, HugetlbPoolBytes = [0, 4L << 30], DebugVm = true });
        long free = machine.Stats.FreePages;
        var p = machine.CreateProcess();
        ulong a = p.Mmap(0, Gig, Prot.Read | Prot.Write, AnonGig);
        p.Write(a, new byte[Pages * Page]);
        var last = new int[Pages];
        var errors = new ConcurrentQueue<string>();
        var stop = Stopwatch.StartNew();

        var writer = OwningWriter(p, a, last, seed: 10, stop, errors);
        var pinner = Task.Run(() =>
        {
            var random = new Random(11);
            while (stop.Elapsed < Budget)
            {
                // GUP-fast walks to the huge PUD without locks; what the device writes, the process reads
                int page = random.Next(Pages);
                using var pin = p.PinUserPages(a + (ulong)page * Page, 1, GupFlags.Fast | GupFlags.Write | GupFlags.Longterm);
                byte value = (byte)random.Next(1, 256);
                pin.Write(0, 100, new[] { value });
                var seen = new byte[1];
                p.Read(a + (ulong)page * Page + 100, seen);
                if (seen[0] != value)
                    errors.Enqueue($"DMA wrote {value} into page {page}, the process reads {seen[0]}");
            }
        });
        var shaper = Task.Run(() =>
        {
            var random = new Random(12);
            while (stop.Elapsed < Budget)
            {
                int what = random.Next(3);
                if (what == 2)
                {
                    // the page moves whole through a PUD migration entry, unless a pin holds it or no page is free
                    int status = p.MovePages(a + (ulong)random.Next(Pages) * Page, 1)[0];
                    if (status is not (0 or -(int)Errno.EBUSY))
                        errors.Enqueue($"move_pages of the 1 GiB page: status {status}");
                }
                else if (what == 0)
                {
                    // fork shares the page R/O, or copies it for the child while a pin holds it; the child's write copies
                    try
                    {
                        var child = p.Fork();
                        try
                        {
                            child.Write(a + (ulong)random.Next(Pages) * Page + 8, new byte[] { 1 });
                        }
                        catch (BusErrorException)
                        {
                            // no free 1 GiB page for the copy: SIGBUS, as in the kernel
                        }
                        child.Exit();
                    }
                    catch (MmException e) when (e.Errno == Errno.ENOMEM)
                    {
                        // no free 1 GiB page for a pinned page's copy: fork fails
                    }
                }
                else
                {
                    try
                    {
                        // a second area comes and goes: its PUD table is freed while GUP-fast walks next to it
                        ulong scratch = p.Mmap(0, Gig, Prot.Read | Prot.Write, AnonGig);
                        p.Write(scratch + Gig - Page, new byte[] { 2 });
                        p.Munmap(scratch, Gig);
                    }
                    catch (MmException e) when (e.Errno == Errno.ENOMEM)
                    {
                        // a child holds the page a reservation would need
                    }
                }
            }
        });
        await Task.WhenAll(writer, pinner, shaper);

        AssertDataKept(machine, p, a, last, errors, free);
    }

    /// <summary>A process with <see cref="Pages"/> populated pages, the writer's record of them, and the free pages before.</summary>
    private static (Process P, ulong A, int[] Last, long Free) PopulatedArea(Machine machine)
    {
        long free = machine.Stats.FreePages;
        var p = machine.CreateProcess();
        ulong a = p.MapAnon(Pages);
        p.Write(a, new byte[Pages * Page]);
        return (p, a, new int[Pages], free);
    }

    /// <summary>
    /// One writer owns the data of every page: what it wrote last must be what it reads back, wherever the
    /// page went meanwhile (migrated, in device memory, taken by a device, compacted).
    /// </summary>
    private static Task OwningWriter(Process p, ulong a, int[] last, int seed, Stopwatch stop, ConcurrentQueue<string> errors) => Task.Run(() =>
    {
        var random = new Random(seed);
        for (int value = 1; stop.Elapsed < Budget; value++)
        {
            int page = random.Next(Pages);
            p.Write(a + (ulong)page * Page, BitConverter.GetBytes(value));
            last[page] = value;
            var back = new byte[4];
            p.Read(a + (ulong)page * Page, back);
            if (BitConverter.ToInt32(back) != value)
                errors.Enqueue($"page {page}: wrote {value}, read {BitConverter.ToInt32(back)}");
        }
    });

    /// <summary>
    /// After a data-owning race: no thread saw a wrong value, each page holds the writer's last value, every
    /// invariant holds, and exit leaves nothing behind.
    /// </summary>
    private static void AssertDataKept(Machine machine, Process p, ulong a, int[] last, ConcurrentQueue<string> errors, long free)
    {
        Assert.Empty(errors);
        for (int page = 0; page < Pages; page++)
        {
            var back = new byte[4];
            p.Read(a + (ulong)page * Page, back);
            Assert.Equal(last[page], BitConverter.ToInt32(back));
        }
        machine.CheckInvariants();
        machine.AssertCleanAfterExit(free);
    }
}
