using System;
using System.Collections.Generic;
using System.Linq;
using MmSim.Tests.Vm;
using Xunit;
using static MmSim.Tests.Model.ReferenceModel;

namespace MmSim.Tests.Model;

/// <summary>
/// Seeded random sequences of mmap / write / read / fork / munmap / mprotect / madvise (DONTNEED,
/// PAGEOUT to a swap device) / pin / DMA /
/// release / exit over several processes, run on the simulator and on <see cref="ReferenceModel"/>:
/// every read, every DMA read and every errno must agree, and the invariants must hold after each step.
/// </summary>
public class ModelBasedTests
{
    private const ulong Base = 0x1000_0000;
    private const ulong Page = Machine.PageSize;

    public static TheoryData<int> Seeds() => new(Enumerable.Range(1, 60));

    [Theory]
    [MemberData(nameof(Seeds))]
    public void AnonExclusive_keeps_pins_coherent_with_their_owner(int seed) => Run(seed, CowSemantics.AnonExclusive, withPins: true);

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Every_generation_keeps_processes_isolated(int seed)
    {
        Run(seed, CowSemantics.RefcountReuse, withPins: false);
        Run(seed, CowSemantics.MapcountReuse, withPins: false);
    }

    [Fact]
    public void A_broken_generation_fails_and_shrinks_to_the_few_steps_that_matter()
    {
        // before 5.8 a pin did not survive fork (the RDMA "wrong COW"): with pins, the model catches it
        var failing = Enumerable.Range(1, 60).Select(Steps)
            .Select(steps => (Steps: steps, Failure: Execute(steps, CowSemantics.MapcountReuse, withPins: true, out _)))
            .First(run => run.Failure is not null);

        var shrunk = StepShrinker.Shrink(failing.Steps, candidate =>
            Execute(candidate, CowSemantics.MapcountReuse, withPins: true, out _)?.GetType() == failing.Failure!.GetType());

        Assert.InRange(shrunk.Length, 1, 12);
        Assert.NotNull(Execute(shrunk, CowSemantics.MapcountReuse, withPins: true, out var log));
        Assert.Null(Execute(shrunk, CowSemantics.AnonExclusive, withPins: true, out _)); // today's design passes the same steps
        Assert.Contains(log, step => step.Contains("pin", StringComparison.Ordinal));
    }

    [Fact]
    public void The_shrinker_keeps_exactly_the_steps_a_failure_needs()
    {
        int[] steps = [.. Enumerable.Range(0, 50)];

        var shrunk = StepShrinker.Shrink(steps, candidate => candidate.Contains(7) && candidate.Contains(31) && candidate.Contains(44));

        Assert.Equal([7, 31, 44], shrunk);
    }

    /// <summary>
    /// Runs the sequence of <paramref name="seed"/>; a failure is shrunk to a minimal subsequence, and the
    /// message gives the seed, the shrunk steps and the full log.
    /// </summary>
    private static void Run(int seed, CowSemantics semantics, bool withPins)
    {
        var steps = Steps(seed);
        if (Execute(steps, semantics, withPins, out var log) is not { } failure)
            return;
        var shrunk = StepShrinker.Shrink(steps, candidate => Execute(candidate, semantics, withPins, out _)?.GetType() == failure.GetType());
        var shrunkFailure = Execute(shrunk, semantics, withPins, out var shrunkLog);
        throw new Xunit.Sdk.XunitException(
            $"seed {seed}, {semantics}: {failure.Message}{Environment.NewLine}" +
            $"shrunk to {shrunk.Length} of {steps.Length} steps ({shrunkFailure?.Message}):{Environment.NewLine}{string.Join(Environment.NewLine, shrunkLog)}{Environment.NewLine}" +
            $"all steps:{Environment.NewLine}{string.Join(Environment.NewLine, log)}", failure);
    }

    /// <summary>The per-step seeds of a sequence: each step draws its choices from its own generator.</summary>
    internal static int[] Steps(int seed)
    {
        var master = new Random(seed);
        return Enumerable.Range(0, 120).Select(_ => master.Next()).ToArray();
    }

    /// <summary>Runs <paramref name="steps"/> on the simulator and the model; the first disagreement or broken invariant, or null.</summary>
    internal static Exception? Execute(int[] steps, CowSemantics semantics, bool withPins, out List<string> log)
    {
        log = new List<string>();
        using var machine = new Machine(new MachineOptions { MemoryBytes = 8L << 20, SwapBytes = 1L << 20, Semantics = semantics, DebugVm = true });
        long free = machine.Stats.FreePages;
        var model = new ReferenceModel();
        var sims = new Dictionary<ModelProcess, Process>();
        var pins = new Dictionary<Pin, GupPages>();
        void Spawn()
        {
            var mp = new ModelProcess();
            model.Processes.Add(mp);
            sims[mp] = machine.CreateProcess();
        }
        Spawn();
        int region = 0;
        try
        {
            foreach (int stepSeed in steps)
            {
                var random = new Random(stepSeed);
                if (model.Processes.Count == 0)
                    Spawn();
                var mp = model.Processes[random.Next(model.Processes.Count)];
                var sim = sims[mp];
                int slot = random.Next(Slots);
                ulong address = Base + (ulong)slot * Page;
                int op = random.Next(withPins ? 100 : 80);
                switch (op)
                {
                    case < 12: // mmap (fixed), 1-3 pages, private or shared
                    {
                        int pages = Math.Min(1 + random.Next(3), Slots - slot);
                        bool shared = random.Next(4) == 0;
                        var prot = random.Next(5) == 0 ? Prot.Read : Prot.Read | Prot.Write;
                        log.Add($"{Name(sim)} mmap slot {slot} x{pages} {(shared ? "shared" : "private")} {prot}");
                        sim.Mmap(address, (ulong)pages * Page, prot, (shared ? MapFlags.Shared : MapFlags.Private) | MapFlags.Anonymous | MapFlags.Fixed);
                        region++;
                        for (int i = 0; i < pages; i++)
                            mp.Slots[slot + i] = new Slot { Prot = prot, Shared = shared, Region = region, Cell = shared ? new Cell() : null };
                        break;
                    }
                    case < 35: // write
                    {
                        byte value = (byte)random.Next(1, 256);
                        int offset = random.Next((int)Page);
                        log.Add($"{Name(sim)} write slot {slot}+{offset} = {value}");
                        bool allowed = mp.Slots[slot] is { } s && s.Prot.HasFlag(Prot.Write);
                        if (allowed)
                        {
                            sim.Write(address + (ulong)offset, new[] { value });
                            mp.Touch(slot).Bytes[offset] = value;
                        }
                        else
                        {
                            Assert.Throws<SegmentationFaultException>(() => sim.Write(address + (ulong)offset, new[] { value }));
                        }
                        break;
                    }
                    case < 55: // read a whole page
                    {
                        log.Add($"{Name(sim)} read slot {slot}");
                        if (mp.Slots[slot] is { } s && s.Prot.HasFlag(Prot.Read))
                        {
                            var bytes = new byte[Page];
                            sim.Read(address, bytes);
                            var expected = s.Cell?.Bytes ?? new byte[Page];
                            Assert.True(expected.AsSpan().SequenceEqual(bytes), $"read of slot {slot} differs from the model");
                        }
                        else
                        {
                            Assert.Throws<SegmentationFaultException>(() => sim.Read(address, new byte[1]));
                        }
                        break;
                    }
                    case < 60: // fork
                    {
                        if (model.Processes.Count >= 4)
                            break;
                        log.Add($"{Name(sim)} fork");
                        var child = mp.Fork();
                        model.Processes.Add(child);
                        sims[child] = sim.Fork();
                        break;
                    }
                    case < 66: // munmap one page
                    {
                        log.Add($"{Name(sim)} munmap slot {slot}");
                        sim.Munmap(address, Page);
                        mp.Slots[slot] = null;
                        break;
                    }
                    case < 72: // mprotect one page
                    {
                        var prot = random.Next(2) == 0 ? Prot.Read : Prot.Read | Prot.Write;
                        log.Add($"{Name(sim)} mprotect slot {slot} {prot}");
                        if (mp.Slots[slot] is { } s)
                        {
                            sim.Mprotect(address, Page, prot);
                            s.Prot = prot;
                        }
                        else
                        {
                            Assert.Equal(Errno.ENOMEM, Assert.Throws<MmException>(() => sim.Mprotect(address, Page, prot)).Errno);
                        }
                        break;
                    }
                    case < 76: // madvise(DONTNEED) one page
                    {
                        log.Add($"{Name(sim)} dontneed slot {slot}");
                        if (mp.Slots[slot] is { } s)
                        {
                            sim.Madvise(address, Page, Advice.DontNeed);
                            if (!s.Shared)
                                s.Cell = null; // private: the next touch finds a fresh zero page; shared: the page cache keeps it
                        }
                        else
                        {
                            Assert.Equal(Errno.ENOMEM, Assert.Throws<MmException>(() => sim.Madvise(address, Page, Advice.DontNeed)).Errno);
                        }
                        break;
                    }
                    case < 77: // madvise(PAGEOUT) one page: contents must survive the round trip through swap
                    {
                        log.Add($"{Name(sim)} pageout slot {slot}");
                        if (mp.Slots[slot] is not null)
                            sim.Madvise(address, Page, Advice.PageOut);
                        break;
                    }
                    case < 79: // move_pages(): contents and pins must survive a migration (or its refusal)
                    {
                        log.Add($"{Name(sim)} move_pages slot {slot}");
                        if (mp.Slots[slot] is not null)
                            sim.MovePages(address, 1);
                        break;
                    }
                    case < 80: // exit
                    {
                        if (model.Processes.Count == 1 && random.Next(3) != 0)
                            break;
                        log.Add($"{Name(sim)} exit");
                        sim.Exit();
                        model.Processes.Remove(mp);
                        sims.Remove(mp);
                        break;
                    }
                    case < 88: // pin (R/W or R/O, long-term, sometimes fast)
                    {
                        bool writable = random.Next(2) == 0;
                        var flags = GupFlags.Longterm | (writable ? GupFlags.Write : 0) | (random.Next(2) == 0 ? GupFlags.Fast : 0);
                        log.Add($"{Name(sim)} pin slot {slot} {flags}");
                        var s = mp.Slots[slot];
                        if (s is null || (writable && !s.Prot.HasFlag(Prot.Write)))
                        {
                            Assert.Equal(Errno.EFAULT, Assert.Throws<MmException>(() => sim.PinUserPages(address, 1, flags)).Errno);
                            break;
                        }
                        var gup = sim.PinUserPages(address, 1, flags);
                        var pin = new Pin(mp, slot, mp.Touch(slot), writable);
                        model.Pins.Add(pin);
                        pins[pin] = gup;
                        break;
                    }
                    case < 94: // DMA through a pin
                    {
                        if (model.Pins.Count == 0)
                            break;
                        var pin = model.Pins[random.Next(model.Pins.Count)];
                        var gup = pins[pin];
                        int offset = random.Next((int)Page);
                        if (pin.Writable && random.Next(2) == 0)
                        {
                            byte value = (byte)random.Next(1, 256);
                            log.Add($"DMA write pin of slot {pin.Slot} +{offset} = {value}");
                            gup.Write(0, offset, new[] { value });
                            pin.Cell.Bytes[offset] = value;
                        }
                        else
                        {
                            log.Add($"DMA read pin of slot {pin.Slot}");
                            var bytes = new byte[Page];
                            gup.Read(0, 0, bytes);
                            Assert.True(pin.Cell.Bytes.AsSpan().SequenceEqual(bytes), $"the pin of slot {pin.Slot} sees something else than its owner");
                        }
                        break;
                    }
                    default: // release a pin
                    {
                        if (model.Pins.Count == 0)
                            break;
                        var pin = model.Pins[random.Next(model.Pins.Count)];
                        log.Add($"release pin of slot {pin.Slot}");
                        pins[pin].Release(dirty: pin.Writable);
                        pins.Remove(pin);
                        model.Pins.Remove(pin);
                        break;
                    }
                }
                machine.CheckInvariants();
            }
            foreach (var gup in pins.Values)
                gup.Release();
            machine.AssertCleanAfterExit(free);
            return null;
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            return error;
        }

        string Name(Process p) => $"p{p.Pid}";
    }
}
