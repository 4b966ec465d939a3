using System;
using System.Collections.Generic;
using System.Linq;

namespace MmSim.Differential.Sequences;

/// <summary>
/// What a sequence has named so far: live processes, the pages of each area each process still
/// maps, live references. A step is valid only if everything it names exists, so that both
/// sides run it on the same layout: a step that touches an unmapped page is not valid, because
/// the kernel may have put one of the driver's own mappings (an io_uring ring, a pipe buffer)
/// in the hole, where the simulator has none.
/// </summary>
public sealed class World
{
    // The native driver's table sizes.
    public const int MaxProcesses = 64, MaxAreas = 64, MaxRefs = 64;

    private sealed record Area(AreaKind Kind, bool[] Mapped, bool[] DontFork)
    {
        public Area Copy() => this with { Mapped = (bool[])Mapped.Clone(), DontFork = (bool[])DontFork.Clone() };
    }

    private sealed record Ref(int Owner, bool IsPin, int Pages);

    private readonly Dictionary<int, Dictionary<int, Area>> _processes = new() { [0] = new() };
    private readonly Dictionary<int, Ref> _refs = new();
    private readonly HashSet<int> _usedProcesses = [0], _usedRefs = [];

    public IEnumerable<int> Processes => _processes.Keys;
    public IEnumerable<int> LiveRefs => _refs.Keys;
    public bool IsPin(int r) => _refs[r].IsPin;
    public int RefPages(int r) => _refs[r].Pages;
    public int NextProcess => Enumerable.Range(0, MaxProcesses).FirstOrDefault(id => !_usedProcesses.Contains(id), -1);
    public int NextRef => Enumerable.Range(0, MaxRefs).FirstOrDefault(id => !_usedRefs.Contains(id), -1);

    public int NextArea(int p) => Enumerable.Range(0, MaxAreas).FirstOrDefault(a => !_processes[p].ContainsKey(a), -1);

    /// <summary>The areas of <paramref name="p"/> with at least one mapped page.</summary>
    public IEnumerable<(int Area, AreaKind Kind, int Pages)> Areas(int p) =>
        _processes[p].Where(a => a.Value.Mapped.Any(m => m)).Select(a => (a.Key, a.Value.Kind, a.Value.Mapped.Length));

    /// <summary>How the area <paramref name="p"/> names was mapped (followed through forks and mremaps), if it has it.</summary>
    public AreaKind? KindOf(int p, int area) =>
        _processes.TryGetValue(p, out var areas) && areas.TryGetValue(area, out var a) ? a.Kind : null;

    public bool IsMapped(int p, int area, int page, int count = 1) =>
        _processes.TryGetValue(p, out var areas) && areas.TryGetValue(area, out var a)
        && page >= 0 && count > 0 && page + count <= a.Mapped.Length
        && a.Mapped.AsSpan(page, count).IndexOf(false) < 0;

    /// <summary>Applies <paramref name="op"/> if it is valid here; false (and no change) if not.</summary>
    public bool TryApply(Op op)
    {
        switch (op)
        {
            case MmapOp m:
                if (!_processes.TryGetValue(m.P, out var areas) || m.Area is < 0 or >= MaxAreas || areas.ContainsKey(m.Area) || m.Pages <= 0)
                    return false;
                areas[m.Area] = NewArea(m.Kind, m.Pages);
                return true;
            case WriteOp w: return IsMapped(w.P, w.Area, w.Page);
            case ReadOp r: return IsMapped(r.P, r.Area, r.Page);
            case MemWriteOp w: return IsMapped(w.P, w.Area, w.Page);
            case PageMapOp g: return IsMapped(g.P, g.Area, g.Page);
            case SameOp s: return IsMapped(s.P, s.Area, s.Page) && IsMapped(s.Q, s.OtherArea, s.OtherPage);
            case MprotectOp m: return IsMapped(m.P, m.Area, m.Page, m.Count) && WholeHugePages(m.P, m.Area, m.Page, m.Count) && m.Prot is "none" or "r" or "rw";
            case MadviseOp m:
                if (!IsMapped(m.P, m.Area, m.Page, m.Count) || !AdviceNames.ByName.ContainsKey(m.Advice) || !WholeHugePages(m.P, m.Area, m.Page, m.Count))
                    return false;
                if (m.Advice is "dontfork" or "dofork")
                    _processes[m.P][m.Area].DontFork.AsSpan(m.Page, m.Count).Fill(m.Advice == "dontfork");
                return true;
            case MunmapOp m:
                if (!IsMapped(m.P, m.Area, m.Page, m.Count) || !WholeHugePages(m.P, m.Area, m.Page, m.Count))
                    return false;
                _processes[m.P][m.Area].Mapped.AsSpan(m.Page, m.Count).Clear();
                return true;
            case MremapOp m:
                if (!IsMapped(m.P, m.Area, m.Page, m.Count) || m.NewArea is < 0 or >= MaxAreas || _processes[m.P].ContainsKey(m.NewArea)
                    || !WholeHugePages(m.P, m.Area, m.Page, m.Count))
                    return false;
                var source = _processes[m.P][m.Area];
                var moved = NewArea(source.Kind, m.Count);
                source.DontFork.AsSpan(m.Page, m.Count).CopyTo(moved.DontFork);
                source.Mapped.AsSpan(m.Page, m.Count).Clear();
                _processes[m.P][m.NewArea] = moved;
                return true;
            case ForkOp f:
                if (!_processes.TryGetValue(f.P, out var parent) || f.Child is < 0 or >= MaxProcesses || !_usedProcesses.Add(f.Child))
                    return false;
                _processes[f.Child] = parent.ToDictionary(a => a.Key, a => ChildCopy(a.Value));
                return true;
            case ExitOp e:
                if (!_processes.Remove(e.P))
                    return false;
                foreach (var r in _refs.Where(r => r.Value.Owner == e.P).Select(r => r.Key).ToList())
                    _refs.Remove(r);
                return true;
            case VmspliceOp v: return TakeRef(v.P, v.Area, v.Page, v.Count, v.Ref, isPin: false);
            case PinOp p: return TakeRef(p.P, p.Area, p.Page, p.Count, p.Ref, isPin: true);
            case DrainOp d: return _refs.TryGetValue(d.Ref, out var drained) && !drained.IsPin && _refs.Remove(d.Ref);
            case UnpinOp u: return _refs.TryGetValue(u.Ref, out var unpinned) && unpinned.IsPin && _refs.Remove(u.Ref);
            case PinReadOp r: return _refs.TryGetValue(r.Ref, out var pr) && pr.IsPin && r.Page >= 0 && r.Page < pr.Pages;
            case PinWriteOp w: return _refs.TryGetValue(w.Ref, out var pw) && pw.IsPin && w.Page >= 0 && w.Page < pw.Pages;
            default: throw new ArgumentOutOfRangeException(nameof(op), op, "unknown operation");
        }
    }

    // munmap, mprotect, madvise and mremap of hugetlb memory work on whole huge pages (EINVAL otherwise)
    private bool WholeHugePages(int p, int area, int page, int count)
    {
        int huge = _processes[p][area].Kind.HugePages();
        return page % huge == 0 && count % huge == 0;
    }

    private bool TakeRef(int p, int area, int page, int count, int r, bool isPin)
    {
        if (!IsMapped(p, area, page, count) || r is < 0 or >= MaxRefs || !_usedRefs.Add(r))
            return false;
        _refs[r] = new Ref(p, isPin, count);
        return true;
    }

    private static Area NewArea(AreaKind kind, int pages)
    {
        var mapped = new bool[pages];
        Array.Fill(mapped, true);
        return new Area(kind, mapped, new bool[pages]);
    }

    // dup_mmap() skips VM_DONTFORK areas: the child has a hole there.
    private static Area ChildCopy(Area parent)
    {
        var child = parent.Copy();
        for (int i = 0; i < child.Mapped.Length; i++)
            child.Mapped[i] &= !child.DontFork[i];
        return child;
    }

    /// <summary>Drops every step that is not valid where it stands (after the steps kept before it).</summary>
    public static IReadOnlyList<Op> Normalize(IEnumerable<Op> ops)
    {
        var world = new World();
        return ops.Where(world.TryApply).ToList();
    }
}
