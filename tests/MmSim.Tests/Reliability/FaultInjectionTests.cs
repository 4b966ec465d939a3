using System;
using MmSim.Tests.Vm;
using Xunit;
using static MmSim.Tests.Vm.TestMachine;

namespace MmSim.Tests.Reliability;

/// <summary>
/// Sweeps every allocation of the main operations with an injected failure (fail_page_alloc): each
/// failure is ENOMEM (or a fallback), the machine stays consistent, nothing leaks, and the operation
/// then succeeds once memory is back.
/// </summary>
public class FaultInjectionTests
{
    private sealed record Scenario(string Name, Func<Machine, Process, Action> Prepare);

    public static TheoryData<string> Scenarios() => new(["write fault", "fork with a pinned page", "fork of a THP", "mremap move", "pin", "swap-in", "THP fault", "hugetlb COW", "move_pages of a THP",
        "hugetlb COW of a 1 GiB page", "fork with a pinned 1 GiB hugetlb page"]);

    private static Func<Machine, Process, Action> Prepare(string name) => name switch
    {
        "write fault" => (m, p) =>
        {
            ulong a = p.MapAnon(1);
            return () => p.WriteByte(a, 1);
        },
        "fork with a pinned page" => (m, p) =>
        {
            ulong a = p.MapAnon(2);
            p.Write(a, new byte[2 * Page]);
            p.PinUserPages(a, 1, GupFlags.Write | GupFlags.Longterm); // released by the machine's end
            return () => p.Fork().Exit();
        },
        "fork of a THP" => (m, p) =>
        {
            ulong a = p.Mmap(0, 2 << 20, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Anonymous);
            p.Madvise(a, 2 << 20, Advice.HugePage);
            p.WriteByte(a, 1);
            return () => p.Fork().Exit();
        },
        "mremap move" => (m, p) =>
        {
            ulong a = p.MapAnon(3);
            p.Write(a, new byte[3 * Page]);
            return () => p.Mremap(a, 3 * Page, 3 * Page, MremapFlags.MayMove | MremapFlags.Fixed, 0x5000_0000);
        },
        "pin" => (m, p) =>
        {
            ulong a = p.MapAnon(4);
            return () => p.PinUserPages(a, 4, GupFlags.Write | GupFlags.Longterm).Release();
        },
        "swap-in" => (m, p) =>
        {
            ulong a = p.MapAnon(1);
            p.WriteByte(a, 5);
            p.Madvise(a, Page, Advice.PageOut);
            return () => Assert.Equal(5, p.ReadByte(a));
        },
        "THP fault" => (m, p) =>
        {
            ulong a = p.Mmap(0, 2 << 20, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Anonymous);
            p.Madvise(a, 2 << 20, Advice.HugePage);
            return () => p.WriteByte(a + 5 * Page, 1);
        },
        "hugetlb COW" => (m, p) =>
        {
            ulong a = p.Mmap(0, 2 << 20, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Anonymous | MapFlags.HugeTlb);
            p.WriteByte(a, 1);
            var child = p.Fork();
            return () => child.WriteByte(a, 2);
        },
        "hugetlb COW of a 1 GiB page" => (m, p) =>
        {
            ulong a = p.Mmap(0, 1UL << 30, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Anonymous | MapFlags.HugeTlb | MapFlags.HugeTlb1G);
            p.WriteByte(a, 1);
            var child = p.Fork();
            return () => child.WriteByte(a, 2);
        },
        "fork with a pinned 1 GiB hugetlb page" => (m, p) =>
        {
            ulong a = p.Mmap(0, 1UL << 30, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Anonymous | MapFlags.HugeTlb | MapFlags.HugeTlb1G);
            p.WriteByte(a, 1);
            p.PinUserPages(a, 1, GupFlags.Write | GupFlags.Longterm); // released by the machine's end
            return () => p.Fork().Exit();
        },
        "move_pages of a THP" => (m, p) =>
        {
            ulong area = p.Mmap(0, 4 << 20, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Anonymous);
            ulong a = (area + (2 << 20) - 1) & ~((2UL << 20) - 1);
            p.Madvise(a, 2 << 20, Advice.HugePage);
            p.Write(a, new byte[] { 7 });
            // no THP for the target: the THP is split and the page moves alone; no page at all: -EBUSY
            return () =>
            {
                Assert.Contains(p.MovePages(a, 2)[0], new[] { 0, -(int)Errno.EBUSY });
                Assert.Equal(7, p.ReadByte(a));
            };
        },
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Every_allocation_can_fail_cleanly(string scenario)
    {
        int injectionPoints = 0;
        for (int space = 0; space < 200; space++)
        {
            bool gigantic = scenario.Contains("1 GiB", StringComparison.Ordinal); // two 1 GiB pages above the lowest GiB
            using var machine = new Machine(new MachineOptions
            {
                MemoryBytes = gigantic ? 3L << 30 : 32L << 20, SwapBytes = 4L << 20,
                HugetlbPoolBytes = gigantic ? [8L << 20, 2L << 30] : [8L << 20], DebugVm = true,
            });
            long free = machine.Stats.FreePages;
            var process = machine.CreateProcess();
            var operation = Prepare(scenario)(machine, process);

            machine.FailAllocations(space);
            try
            {
                operation();
            }
            catch (BusErrorException)
            {
                Assert.StartsWith("hugetlb COW", scenario); // no huge page for the copy: SIGBUS, as in the kernel
            }
            catch (MmException error)
            {
                Assert.Equal(Errno.ENOMEM, error.Errno);
            }
            bool hit = machine.InjectedAllocationFailures > 0;
            machine.StopFailingAllocations();
            machine.CheckInvariants();
            if (!hit)
            {
                Assert.True(injectionPoints > 0, $"{scenario}: no allocation to fail");
                return; // the operation got through every allocation it makes
            }
            injectionPoints++;
            operation(); // with memory back, it works
            machine.CheckInvariants();
            machine.Dispose();
            foreach (var gup in machine.OutstandingGups())
                gup.Release(); // pins the scenario set up outlive the processes
            machine.CheckInvariants();
            Assert.Equal(0, machine.Stats.AnonPages);
            Assert.Equal(0, machine.Stats.SwapUsedPages);
            Assert.Equal(machine.Stats.HugetlbTotalPages, machine.Stats.HugetlbFreePages);
        }
        Assert.Fail($"{scenario}: still failing after 200 injection points");
    }

    [Fact]
    public async System.Threading.Tasks.Task The_dirty_cow_race_never_writes_the_file()
    {
        // CVE-2016-5195: FOLL_FORCE writes through /proc/self/mem against MADV_DONTNEED on a private file mapping
        using var machine = Create();
        var p = machine.CreateProcess();
        var file = machine.CreateFile("etc/passwd", new byte[Page]);
        ulong a = p.Mmap(0, Page, Prot.Read, MapFlags.Private, file);
        ulong view = p.Mmap(0, Page, Prot.Read, MapFlags.Shared, file);
        var stop = System.Diagnostics.Stopwatch.StartNew();

        var writer = System.Threading.Tasks.Task.Run(() =>
        {
            for (int i = 0; stop.ElapsedMilliseconds < 500 && i < 20_000; i++)
            {
                using var force = p.GetUserPages(a, 1, GupFlags.Write | GupFlags.Force);
                force.Write(0, 0, new byte[] { 0x41 });
            }
        });
        var zapper = System.Threading.Tasks.Task.Run(() =>
        {
            while (stop.ElapsedMilliseconds < 500)
                p.Madvise(a, Page, Advice.DontNeed);
        });
        await System.Threading.Tasks.Task.WhenAll(writer, zapper);

        Assert.Equal(0, p.ReadByte(view));
        machine.CheckInvariants();
    }
}
