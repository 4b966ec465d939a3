using System;
using System.Collections.Generic;
using System.Linq;
using MmSim.Tests.Vm;
using Xunit;

namespace MmSim.Tests.Model;

/// <summary>
/// Seeded random sequences over two THP-sized extents that mix THP faults, fork, partial mprotect and
/// DONTNEED, swap-out (whole THPs and parts), MADV_COLLAPSE, KSM, migration, compaction, migration to device-private
/// memory and back, device-exclusive entries, and R/W and R/O long-term pins, which migrate their pages out of the machine's ZONE_MOVABLE.
/// After every step the invariants hold (an exclusive page is mapped once, a pinned page is exclusive, a
/// writable page is exclusive: exclusivity is never invented and never lost for a pinned page), each
/// attached pin sees what its owner sees, and one page per process holds what the model says; at the end
/// every page does, and nothing leaks.
/// </summary>
public class LargeFolioSequenceTests
{
    private const ulong Page = Machine.PageSize;
    private const ulong Thp = 2UL << 20;
    private const ulong Base = 0x4000_0000;
    private const int Pages = (int)(2 * Thp / Page);

    public static TheoryData<int> Seeds() => new(Enumerable.Range(1, 20));


    [Theory]
    [MemberData(nameof(Seeds))]
    public void Exclusivity_is_never_invented_and_never_lost_for_a_pinned_page(int seed)
    {
        var random = new Random(seed);
        var log = new List<string>();
        using var machine = new Machine(new MachineOptions
        {
            MemoryBytes = 24L << 20, MovableBytes = 8L << 20, DevicePrivateBytes = 2L << 20, SwapBytes = 16L << 20, Thp = ThpMode.Madvise, Semantics = CowSemantics.AnonExclusive, DebugVm = true,
        });
        long free = machine.Stats.FreePages;
        var root = new SequenceOwner(machine.CreateProcess(), new byte[Pages]);
        root.Process.Mmap(Base, 2 * Thp, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Anonymous | MapFlags.Fixed);
        root.Process.Madvise(Base, 2 * Thp, Advice.HugePage);
        root.Process.Madvise(Base, 2 * Thp, Advice.Mergeable);
        var owners = new List<SequenceOwner> { root };
        var pins = new List<SequencePin>();
        try
        {
            for (int i = 0; i < Pages; i++)
                Write(root, i, (byte)(1 + random.Next(3)));
            for (int step = 0; step < 60; step++)
            {
                Step(machine, random, owners, pins, log);
                machine.CheckInvariants();
                SequencePin.CheckAttached(pins);
                foreach (var owner in owners)
                    CheckPage(owner, random.Next(Pages));
            }
            foreach (var pin in pins)
                pin.Pages.Release();
            pins.Clear();
            foreach (var owner in owners)
            {
                for (int i = 0; i < Pages; i++)
                    CheckPage(owner, i);
            }
            machine.AssertCleanAfterExit(free);
            Assert.Equal(0, machine.Stats.SwapUsedPages);
        }
        catch (Exception e)
        {
            throw new Xunit.Sdk.XunitException($"seed {seed}, after {log.Count} steps:\n  {string.Join("\n  ", log)}\n{e}");
        }
    }

    private static void Step(Machine machine, Random random, List<SequenceOwner> owners, List<SequencePin> pins, List<string> log)
    {
        var owner = owners[random.Next(owners.Count)];
        var p = owner.Process;
        int index = random.Next(Pages);
        ulong address = Base + (ulong)index * Page;
        int count = random.Next(4) == 0 ? Pages / 2 : 1 + random.Next(16);
        count = Math.Min(count, Pages - index);
        switch (random.Next(100))
        {
            case < 25: // a write, with few distinct values so that KSM finds twins
                byte value = (byte)(1 + random.Next(3));
                log.Add($"{p} write page {index} = {value}");
                Write(owner, index, value);
                break;
            case < 33 when owners.Count < 3:
                log.Add($"{p} fork");
                owners.Add(new SequenceOwner(p.Fork(), (byte[])owner.Values.Clone()));
                break;
            case < 38 when owner != owners[0]:
                log.Add($"{p} exit");
                p.Exit();
                owners.Remove(owner);
                foreach (var pin in pins.Where(pin => pin.Owner == owner))
                    pin.Attached = false;
                break;
            case < 48:
                log.Add($"{p} pageout pages {index}+{count}");
                p.Madvise(address, (ulong)count * Page, Advice.PageOut);
                break;
            case < 54:
                log.Add($"{p} collapse extent {index * (int)Page / (int)Thp}");
                Collapse(p, Base + (ulong)index * Page / Thp * Thp);
                break;
            case < 58:
                log.Add("ksm scan");
                machine.RunKsm();
                break;
            case < 61:
                log.Add("compact memory");
                machine.CompactMemory();
                break;
            case < 64:
                log.Add($"{p} move_pages {index}+{count}");
                p.MovePages(address, count);
                break;
            case < 65:
                log.Add($"{p} migrate to device {index}+{count}");
                p.MigrateToDevice(address, count);
                break;
            case < 66:
                log.Add($"{p} make device-exclusive {index}+{count}");
                p.MakeDeviceExclusive(address, count);
                break;
            case < 72:
                log.Add($"{p} mprotect R and back, pages {index}+{count}");
                p.Mprotect(address, (ulong)count * Page, Prot.Read);
                p.Mprotect(address, (ulong)count * Page, Prot.Read | Prot.Write);
                break;
            case < 77:
                log.Add($"{p} dontneed pages {index}+{count}");
                p.Madvise(address, (ulong)count * Page, Advice.DontNeed);
                Array.Clear(owner.Values, index, count);
                foreach (var pin in pins.Where(pin => pin.Owner == owner && pin.Index >= index && pin.Index < index + count))
                    pin.Attached = false;
                break;
            case < 85 when pins.Count < 4:
                bool writable = random.Next(2) == 0;
                bool fast = random.Next(2) == 0;
                log.Add($"{p} pin {(writable ? "R/W" : "R/O")}{(fast ? " fast" : "")} page {index}");
                var flags = GupFlags.Longterm | (writable ? GupFlags.Write : 0) | (fast ? GupFlags.Fast : 0);
                pins.Add(new SequencePin(owner, index, p.PinUserPages(address, 1, flags), writable));
                break;
            case < 92 when pins.Count > 0:
                var released = pins[random.Next(pins.Count)];
                log.Add($"release pin of page {released.Index}");
                released.Pages.Release();
                pins.Remove(released);
                break;
            case < 100 when pins.Count > 0:
                var dma = pins[random.Next(pins.Count)];
                if (!dma.Writable || !dma.Attached)
                    break;
                byte written = (byte)(1 + random.Next(3));
                log.Add($"DMA write {written} through the pin of page {dma.Index}");
                dma.Pages.Write(0, 0, [written]);
                dma.Owner.Values[dma.Index] = written;
                break;
        }
    }

    /// <summary>MADV_COLLAPSE may refuse (pinned or referenced pages: EAGAIN; nothing to collapse: EINVAL), as the kernel's does.</summary>
    private static void Collapse(Process p, ulong extent)
    {
        try
        {
            p.Madvise(extent, Thp, Advice.Collapse);
        }
        catch (MmException e) when (e.Errno is Errno.EAGAIN or Errno.EINVAL)
        {
        }
    }

    private static void Write(SequenceOwner owner, int index, byte value)
    {
        owner.Process.Write(Base + (ulong)index * Page, [value]);
        owner.Values[index] = value;
    }

    private static void CheckPage(SequenceOwner owner, int index)
    {
        var seen = new byte[1];
        owner.Process.Read(Base + (ulong)index * Page, seen);
        Assert.True(owner.Values[index] == seen[0], $"{owner.Process} page {index}: the model says {owner.Values[index]}, the process reads {seen[0]}");
    }
}
