using System;
using System.Collections.Generic;
using System.Linq;
using MmSim.Differential.Sequences;

namespace MmSim.Differential.Execution;

/// <summary>
/// Runs a sequence on the simulator through the public API only, producing the observations
/// the native driver produces on the kernel. After the last step every process exits and every
/// reference is released; the machine must then hold no anon page, pin or swap slot.
/// </summary>
public sealed class SimulatorRunner
{
    private const int Page = Machine.PageSize;

    private sealed record Ref(int Owner, GupPages Pages);

    private readonly Machine _machine;
    private readonly Dictionary<int, Process> _processes = new();
    private readonly Dictionary<int, Dictionary<int, ulong>> _areas = new();
    private readonly Dictionary<int, Ref> _refs = new();
    private int _files;

    private SimulatorRunner(MachineOptions options)
    {
        _machine = new Machine(options);
        _processes[0] = _machine.CreateProcess();
        _areas[0] = new();
    }

    /// <summary>The machine the comparison assumes: this kernel's settings (THP on madvise, no swap).</summary>
    public static MachineOptions KernelLike(CowSemantics semantics = CowSemantics.AnonExclusive) => new()
    {
        MemoryBytes = 512L << 20,
        Semantics = semantics,
        Thp = ThpMode.Madvise,
    };

    /// <summary>
    /// <see cref="KernelLike"/> with the hugetlb pools <see cref="KernelHugetlbPool"/> gives the kernel: RAM enough for
    /// the 1 GiB pages above the lowest GiB, which holds the zero page.
    /// </summary>
    public static MachineOptions HugetlbLike(CowSemantics semantics = CowSemantics.AnonExclusive) => new()
    {
        MemoryBytes = (KernelHugetlbPool.Gigantic + 1) * (1L << 30),
        Semantics = semantics,
        Thp = ThpMode.Madvise,
        HugetlbPoolBytes = [KernelHugetlbPool.Huge * (2L << 20), KernelHugetlbPool.Gigantic * (1L << 30)],
    };

    public static IReadOnlyList<string> Run(IReadOnlyList<Op> ops, MachineOptions? options = null)
    {
        var runner = new SimulatorRunner(options ?? KernelLike());
        using var machine = runner._machine;
        var observations = ops.Select(runner.Step).ToList();
        runner.TearDown();
        return observations;
    }

    private string Step(Op op)
    {
        if (op is not (MmapOp or ForkOp or ExitOp or SameOp) && op.Process >= 0 && !_areas[op.Process].ContainsKey(AreaOf(op)))
            return Observations.NoArea; // a failed mmap or mremap never made it
        try
        {
            return Execute(op);
        }
        catch (SegmentationFaultException)
        {
            return "segv";
        }
        catch (BusErrorException)
        {
            return "sigbus";
        }
        catch (MmException e)
        {
            return Observations.Errno((int)e.Errno);
        }
        catch (Exception e) when (e is MmSim.Diagnostics.MmBugException or MmInvariantException)
        {
            // a simulator bug: an observation no kernel makes, so the comparer reports it and the shrinker shrinks it
            return "crash " + e.GetType().Name + ": " + e.Message.Split('\n')[0];
        }
    }

    private static int AreaOf(Op op) => op switch
    {
        WriteOp o => o.Area, ReadOp o => o.Area, MunmapOp o => o.Area, MprotectOp o => o.Area, MadviseOp o => o.Area,
        MremapOp o => o.Area, VmspliceOp o => o.Area, PinOp o => o.Area, MemWriteOp o => o.Area, PageMapOp o => o.Area,
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, "a step without an area"),
    };

    private ulong Address(int p, int area, int page) => _areas[p][area] + (ulong)page * Page;

    private string Execute(Op op)
    {
        switch (op)
        {
            case MmapOp m:
                _areas[m.P][m.Area] = Map(_processes[m.P], m.Pages, m.Kind);
                return Observations.Ok;
            case WriteOp w:
                _processes[w.P].Write(Address(w.P, w.Area, w.Page), Filled(w.Value));
                return Observations.Ok;
            case ReadOp r:
                var page = new byte[Page];
                _processes[r.P].Read(Address(r.P, r.Area, r.Page), page);
                return Observations.Value(page);
            case MunmapOp m:
                _processes[m.P].Munmap(Address(m.P, m.Area, m.Page), (ulong)m.Count * Page);
                return Observations.Ok;
            case MprotectOp m:
                _processes[m.P].Mprotect(Address(m.P, m.Area, m.Page), (ulong)m.Count * Page, ProtOf(m.Prot));
                return Observations.Ok;
            case MadviseOp m:
                _processes[m.P].Madvise(Address(m.P, m.Area, m.Page), (ulong)m.Count * Page, AdviceNames.ByName[m.Advice]);
                return Observations.Ok;
            case MremapOp m:
                return Mremap(m);
            case ForkOp f:
                _processes[f.Child] = _processes[f.P].Fork();
                _areas[f.Child] = new Dictionary<int, ulong>(_areas[f.P]);
                return Observations.Ok;
            case ExitOp e:
                Exit(e.P);
                return Observations.Ok;
            case VmspliceOp v:
                return TakeRef(v.Ref, v.P, () => _processes[v.P].GetUserPages(Address(v.P, v.Area, v.Page), v.Count, GupFlags.None));
            case PinOp p:
                // io_sqe_buffer_register(): pin_user_pages_fast(FOLL_WRITE | FOLL_LONGTERM)
                return TakeRef(p.Ref, p.P, () => _processes[p.P].PinUserPages(
                    Address(p.P, p.Area, p.Page), p.Count, GupFlags.Write | GupFlags.Longterm | GupFlags.Fast));
            case DrainOp d:
                return WithRef(d.Ref, pages => Drain(d.Ref, pages));
            case PinReadOp r:
                return WithRef(r.Ref, pages =>
                {
                    var buffer = new byte[Page];
                    pages.Read(r.Page, 0, buffer);
                    return Observations.Value(buffer);
                });
            case PinWriteOp w:
                return WithRef(w.Ref, pages =>
                {
                    pages.Write(w.Page, 0, Filled(w.Value));
                    return Observations.Ok;
                });
            case UnpinOp u:
                return WithRef(u.Ref, pages =>
                {
                    pages.Release();
                    _refs.Remove(u.Ref);
                    return Observations.Ok;
                });
            case MemWriteOp w:
                return MemWrite(w);
            case PageMapOp g:
                return Observations.PageMap(_processes[g.P].PageMap(Address(g.P, g.Area, g.Page)));
            case SameOp s:
                if (!_areas[s.P].ContainsKey(s.Area) || !_areas[s.Q].ContainsKey(s.OtherArea))
                    return "same none";
                var a = _processes[s.P].PageMap(Address(s.P, s.Area, s.Page));
                var b = _processes[s.Q].PageMap(Address(s.Q, s.OtherArea, s.OtherPage));
                return !a.Present || !b.Present ? "same none" : a.Pfn == b.Pfn ? "same yes" : "same no";
            default:
                throw new ArgumentOutOfRangeException(nameof(op), op, "unknown operation");
        }
    }

    private ulong Map(Process process, int pages, AreaKind kind)
    {
        const Prot rw = Prot.Read | Prot.Write;
        switch (kind)
        {
            case AreaKind.Anon:
                return MapArea(process, pages, rw, MapFlags.Private | MapFlags.Anonymous, null, align: 0);
            case AreaKind.Thp:
                ulong thp = MapArea(process, pages, rw, MapFlags.Private | MapFlags.Anonymous, null, align: Pmd);
                process.Madvise(thp, (ulong)pages * Page, MmSim.Advice.HugePage);
                return thp;
            case AreaKind.Hugetlb:
                return MapArea(process, pages, rw, MapFlags.Private | MapFlags.Anonymous | MapFlags.HugeTlb, null, align: Pmd);
            case AreaKind.SharedHugetlb:
                return MapArea(process, pages, rw, MapFlags.Shared | MapFlags.Anonymous | MapFlags.HugeTlb, null, align: Pmd);
            case AreaKind.Hugetlb1G:
                return MapArea(process, pages, rw, MapFlags.Private | MapFlags.Anonymous | MapFlags.HugeTlb | MapFlags.HugeTlb1G, null, align: Pud);
            case AreaKind.Shared:
                return MapArea(process, pages, rw, MapFlags.Shared | MapFlags.Anonymous, null, align: 0);
            default:
                var memfd = _machine.CreateMemfd("mmdiff" + _files++, (long)pages * Page);
                return MapArea(process, pages, rw, kind == AreaKind.Memfd ? MapFlags.Private : MapFlags.Shared, memfd, align: 0);
        }
    }

    private const ulong Pmd = 2UL << 20, Pud = 1UL << 30;

    // The driver's layout: the area between two PROT_NONE guard pages, its start on an align boundary (2 MiB or 1 GiB) if nonzero.
    private static ulong MapArea(Process process, int pages, Prot prot, MapFlags flags, SimFile? file, ulong align)
    {
        ulong length = (ulong)pages * Page, slack = align, total = length + slack + 2 * Page;
        ulong reserve = process.Mmap(0, total, Prot.None, MapFlags.Private | MapFlags.Anonymous);
        ulong start = reserve + Page;
        if (align != 0)
            start = (start + align - 1) & ~(align - 1);
        if (start - Page > reserve)
            process.Munmap(reserve, start - Page - reserve);
        if (reserve + total > start + length + Page)
            process.Munmap(start + length + Page, reserve + total - (start + length + Page));
        return process.Mmap(start, length, prot, flags | MapFlags.Fixed, file);
    }

    // The driver reserves a fresh PROT_NONE range and moves the pages onto it.
    private string Mremap(MremapOp m)
    {
        var process = _processes[m.P];
        ulong length = (ulong)m.Count * Page;
        ulong target = MapArea(process, m.Count, Prot.None, MapFlags.Private | MapFlags.Anonymous, null, align: length >= Pud ? Pud : length >= Pmd ? Pmd : 0);
        try
        {
            _areas[m.P][m.NewArea] = process.Mremap(Address(m.P, m.Area, m.Page), length, length, MremapFlags.MayMove | MremapFlags.Fixed, target);
            return Observations.Ok;
        }
        catch (MmException)
        {
            process.Munmap(target, length);
            throw;
        }
    }

    // mem_rw() -> access_remote_vm(FOLL_FORCE | FOLL_WRITE): a reference, a copy, put_page();
    // when GUP fails, whatever its errno, the write copied nothing and mem_rw() returns EIO
    private string MemWrite(MemWriteOp w)
    {
        GupPages pages;
        try
        {
            pages = _processes[w.P].GetUserPages(Address(w.P, w.Area, w.Page), 1, GupFlags.Write | GupFlags.Force);
        }
        catch (MmException)
        {
            return Observations.Errno((int)Errno.EIO);
        }
        pages.Write(0, 0, Filled(w.Value));
        pages.Release(dirty: true);
        return Observations.Ok;
    }

    private string TakeRef(int r, int owner, Func<GupPages> take)
    {
        _refs[r] = new Ref(owner, take());
        return Observations.Ok;
    }

    private string WithRef(int r, Func<GupPages, string> use) =>
        _refs.TryGetValue(r, out var held) ? use(held.Pages) : Observations.NoRef;

    private string Drain(int r, GupPages pages)
    {
        var buffer = new byte[Page];
        var values = new List<string>();
        for (int i = 0; i < pages.Count; i++)
        {
            pages.Read(i, 0, buffer);
            values.Add(Observations.Byte(buffer));
        }
        pages.Release();
        _refs.Remove(r);
        return "v " + string.Join(' ', values);
    }

    // do_exit(): the pipes and rings the process held are closed with it.
    private void Exit(int p)
    {
        foreach (var r in _refs.Where(r => r.Value.Owner == p).Select(r => r.Key).ToList())
        {
            _refs[r].Pages.Release();
            _refs.Remove(r);
        }
        _processes[p].Exit();
        _processes.Remove(p);
        _areas.Remove(p);
    }

    private void TearDown()
    {
        foreach (var p in _processes.Keys.ToList())
            Exit(p);
        _machine.CheckInvariants();
        var stats = _machine.Stats;
        if (stats.AnonPages != 0 || stats.PinnedPages != 0 || stats.SwapUsedPages != 0)
            throw new InvalidOperationException(
                $"after every exit the machine still holds {stats.AnonPages} anon pages, {stats.PinnedPages} pins, {stats.SwapUsedPages} swap slots");
    }

    private static Prot ProtOf(string word) => word switch
    {
        "none" => Prot.None,
        "r" => Prot.Read,
        _ => Prot.Read | Prot.Write,
    };

    private static byte[] Filled(int value)
    {
        var page = new byte[Page];
        Array.Fill(page, (byte)value);
        return page;
    }
}
