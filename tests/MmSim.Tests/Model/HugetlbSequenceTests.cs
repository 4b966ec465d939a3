using System;
using System.Collections.Generic;
using System.Linq;
using MmSim.Tests.Vm;
using Xunit;

namespace MmSim.Tests.Model;

/// <summary>
/// Seeded random sequences over a private hugetlb area of two 2 MiB pages in up to three processes: writes (COW by
/// mapcount, SIGBUS when the pool has no page for a copy), fork (a pinned page copied for the child at once, or
/// ENOMEM), exit, mprotect, MADV_DONTNEED of a whole page, move_pages (huge migration entries), an mremap() away
/// and back, R/W and R/O long-term pins (GUP and GUP-fast), and DMA writes through them. After every step the
/// invariants hold, each attached pin sees what its owner sees, and the processes read what the model says.
/// </summary>
public class HugetlbSequenceTests
{
    private const ulong Page = Machine.PageSize;
    private const ulong Huge = 2UL << 20;
    private const ulong Base = 0x4000_0000;
    private const ulong Away = 0x8000_0000;
    private const int Pages = (int)(2 * Huge / Page);

    public static TheoryData<int> Seeds() => new(Enumerable.Range(1, 100));


    [Theory]
    [MemberData(nameof(Seeds))]
    public void Hugetlb_pins_and_cow_stay_coherent(int seed)
    {
        var random = new Random(seed);
        var log = new List<string>();
        using var machine = new Machine(new MachineOptions { MemoryBytes = 48L << 20, HugetlbPoolBytes = [8 * (long)Huge], DebugVm = true });
        long free = machine.Stats.FreePages;
        var root = new SequenceOwner(machine.CreateProcess(), new byte[Pages]);
        root.Process.Mmap(Base, 2 * Huge, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Anonymous | MapFlags.HugeTlb | MapFlags.Fixed);
        var owners = new List<SequenceOwner> { root };
        var pins = new List<SequencePin>();
        try
        {
            for (int step = 0; step < 80; step++)
            {
                Step(random, owners, pins, log);
                machine.CheckInvariants();
                SequencePin.CheckAttached(pins);
                foreach (var owner in owners)
                    CheckPage(owner, random.Next(Pages));
            }
            foreach (var pin in pins)
                pin.Pages.Release();
            foreach (var owner in owners)
            {
                for (int i = 0; i < Pages; i += 97)
                    CheckPage(owner, i);
            }
            machine.AssertCleanAfterExit(free);
            Assert.Equal(machine.Stats.HugetlbTotalPages, machine.Stats.HugetlbFreePages);
        }
        catch (Exception e)
        {
            throw new Xunit.Sdk.XunitException($"seed {seed}, after {log.Count} steps:\n  {string.Join("\n  ", log)}\n{e}");
        }
    }

    private static void Step(Random random, List<SequenceOwner> owners, List<SequencePin> pins, List<string> log)
    {
        var owner = owners[random.Next(owners.Count)];
        var p = owner.Process;
        int index = random.Next(Pages);
        int huge = index / (int)(Huge / Page) * (int)(Huge / Page); // the first page of index's huge page
        switch (random.Next(100))
        {
            case < 30:
                byte value = (byte)(1 + random.Next(250));
                log.Add($"{p} write page {index} = {value}");
                try
                {
                    p.Write(Base + (ulong)index * Page, [value]);
                    owner.Values[index] = value;
                }
                catch (BusErrorException)
                {
                    log.Add("  SIGBUS: no free huge page for the copy");
                }
                break;
            case < 38 when owners.Count < 3:
                log.Add($"{p} fork");
                try
                {
                    owners.Add(new SequenceOwner(p.Fork(), (byte[])owner.Values.Clone()));
                }
                catch (MmException e) when (e.Errno == Errno.ENOMEM)
                {
                    log.Add("  ENOMEM: no free huge page for a pinned page's copy");
                }
                break;
            case < 43 when owner != owners[0]:
                log.Add($"{p} exit");
                p.Exit();
                owners.Remove(owner);
                foreach (var pin in pins.Where(pin => pin.Owner == owner))
                    pin.Attached = false;
                break;
            case < 50:
                log.Add($"{p} mprotect R and back, huge page at {huge}");
                p.Mprotect(Base + (ulong)huge * Page, Huge, Prot.Read);
                p.Mprotect(Base + (ulong)huge * Page, Huge, Prot.Read | Prot.Write);
                break;
            case < 55:
                log.Add($"{p} dontneed huge page at {huge}");
                p.Madvise(Base + (ulong)huge * Page, Huge, Advice.DontNeed);
                Array.Clear(owner.Values, huge, (int)(Huge / Page));
                foreach (var pin in pins.Where(pin => pin.Owner == owner && pin.Index / (int)(Huge / Page) == huge / (int)(Huge / Page)))
                    pin.Attached = false;
                break;
            case < 63:
                log.Add($"{p} move_pages {index}: {p.MovePages(Base + (ulong)index * Page, 1)[0]}");
                break;
            case < 67:
                log.Add($"{p} mremap away and back");
                p.Mremap(Base, 2 * Huge, 2 * Huge, MremapFlags.MayMove | MremapFlags.Fixed, Away);
                p.Mremap(Away, 2 * Huge, 2 * Huge, MremapFlags.MayMove | MremapFlags.Fixed, Base);
                break;
            case < 80 when pins.Count < 4:
                bool writable = random.Next(2) == 0;
                bool fast = random.Next(2) == 0;
                log.Add($"{p} pin {(writable ? "R/W" : "R/O")}{(fast ? " fast" : "")} page {index}");
                try
                {
                    var flags = GupFlags.Longterm | (writable ? GupFlags.Write : 0) | (fast ? GupFlags.Fast : 0);
                    pins.Add(new SequencePin(owner, index, p.PinUserPages(Base + (ulong)index * Page, 1, flags), writable));
                }
                catch (MmException e) when (e.Errno == Errno.EFAULT)
                {
                    log.Add("  EFAULT: no free huge page to unshare or copy into");
                }
                break;
            case < 88 when pins.Count > 0:
                var released = pins[random.Next(pins.Count)];
                log.Add($"release pin of page {released.Index}");
                released.Pages.Release();
                pins.Remove(released);
                break;
            case < 100 when pins.Count > 0:
                var dma = pins[random.Next(pins.Count)];
                if (!dma.Writable || !dma.Attached)
                    break;
                byte written = (byte)(1 + random.Next(250));
                log.Add($"DMA write {written} through the pin of page {dma.Index}");
                dma.Pages.Write(0, 0, [written]);
                dma.Owner.Values[dma.Index] = written;
                break;
        }
    }

    /// <summary>
    /// The process reads what the model says; a read of a huge page nothing maps needs a page from the pool (hugetlb
    /// has no zero page), so with the pool empty it gets SIGBUS, which only a page the model holds as zeros may.
    /// </summary>
    private static void CheckPage(SequenceOwner owner, int index)
    {
        var seen = new byte[1];
        try
        {
            owner.Process.Read(Base + (ulong)index * Page, seen);
        }
        catch (BusErrorException)
        {
            Assert.True(owner.Values[index] == 0 && !owner.Process.PageMap(Base + (ulong)index * Page).Present, $"{owner.Process} page {index}: SIGBUS on a page that holds {owner.Values[index]}");
            return;
        }
        Assert.True(owner.Values[index] == seen[0], $"{owner.Process} page {index}: the model says {owner.Values[index]}, the process reads {seen[0]}");
    }
}
