using System;
using System.Collections.Generic;
using System.Linq;
using MmSim.Differential.Sequences;

namespace MmSim.Differential.Generation;

/// <summary>
/// Seeded random sequences, weighted toward the interleavings where COW and GUP part ways:
/// fork around pins and references, writes after fork in either process, unmapping in the
/// child, mprotect dances, partial operations on THPs. Every step is valid where it stands
/// (<see cref="World"/>), so sequences need no normalising before they run.
/// </summary>
public sealed class SequenceGenerator
{
    private const int ThpPages = 512;
    private static readonly int[] ThpPageChoices = [0, 1, 255, 256, 257, 510, 511];
    private static readonly string[] Prots = ["r", "rw", "none"];
    private static readonly string[] Advices =
        ["dontneed", "dontfork", "dofork", "wipeonfork", "keeponfork", "populate_read", "populate_write", "pageout", "cold", "collapse"];

    private readonly Random _random;
    private readonly World _world = new();
    private readonly List<Op> _ops = new();

    private SequenceGenerator(int seed) => _random = new Random(seed);

    public static IReadOnlyList<Op> Generate(int seed, int steps = 40)
    {
        var generator = new SequenceGenerator(seed);
        generator.Emit(generator.NewArea(0));
        for (int attempts = 0; generator._ops.Count < steps && attempts < steps * 50; attempts++)
            if (generator.Candidate() is { } op)
                generator.Emit(op);
        return generator._ops;
    }

    private void Emit(Op op)
    {
        if (_world.TryApply(op))
            _ops.Add(op);
    }

    private Op? Candidate()
    {
        var processes = _world.Processes.ToList();
        if (processes.Count == 0)
            return null;
        int p = processes[_random.Next(processes.Count)];
        var areas = _world.Areas(p).ToList();
        int roll = _random.Next(100);
        if (areas.Count == 0 || roll < 4)
            return NewArea(p);
        var (area, kind, pages) = areas[_random.Next(areas.Count)];
        int page = PickPage(kind, pages);
        int value = _random.Next(1, 256);
        var refs = _world.LiveRefs.ToList();
        return roll switch
        {
            < 24 => new WriteOp(p, area, page, value),
            < 34 => new ReadOp(p, area, page),
            < 44 => new PageMapOp(p, area, page),
            < 50 => SameAcross(p, area, page),
            < 57 => _world.NextProcess is var child and >= 0 && processes.Count < 5 ? new ForkOp(p, child) : null,
            < 59 => processes.Count > 1 ? new ExitOp(p) : null, // the last process stays: it ends at teardown
            < 62 => new MunmapOp(p, area, page, PickCount(kind, pages, page)),
            < 67 => new MprotectOp(p, area, page, PickCount(kind, pages, page), Prots[_random.Next(Prots.Length)]),
            < 74 => new MadviseOp(p, area, page, PickCount(kind, pages, page), Advices[_random.Next(Advices.Length)]),
            < 76 => _world.NextArea(p) is var moved and >= 0 ? new MremapOp(p, area, page, PickCount(kind, pages, page), moved) : null,
            < 80 => _world.NextRef is var v and >= 0 ? new VmspliceOp(p, area, page, PickCount(kind, Math.Min(pages, page + 16), page), v) : null,
            < 85 => _world.NextRef is var r and >= 0 ? new PinOp(p, area, page, PickCount(kind, pages, page), r) : null,
            < 95 => refs.Count > 0 ? OnRef(refs[_random.Next(refs.Count)], value) : null,
            _ => new MemWriteOp(p, area, page, value),
        };
    }

    private Op OnRef(int r, int value)
    {
        int page = _random.Next(_world.RefPages(r));
        if (!_world.IsPin(r))
            return new DrainOp(r);
        return _random.Next(6) switch
        {
            0 or 1 => new PinReadOp(r, page),
            2 or 3 => new PinWriteOp(r, page, value),
            _ => new UnpinOp(r),
        };
    }

    // Most comparisons are parent against child at the same place.
    private Op? SameAcross(int p, int area, int page)
    {
        var others = _world.Processes.Where(q => q != p && _world.IsMapped(q, area, page)).ToList();
        return others.Count == 0 ? null : new SameOp(p, area, page, others[_random.Next(others.Count)], area, page);
    }

    private Op NewArea(int p)
    {
        int area = _world.NextArea(p);
        // the kinds up to THP, THPs twice as often (they have the most cases); never hugetlb, which needs a pool
        var kind = (AreaKind)_random.Next((int)AreaKind.Thp + 3) switch
        {
            > AreaKind.Thp => AreaKind.Thp,
            var k => k,
        };
        int pages = kind == AreaKind.Thp ? ThpPages * _random.Next(1, 3) : _random.Next(1, 9);
        return new MmapOp(p, area, pages, kind);
    }

    private int PickPage(AreaKind kind, int pages)
    {
        if (pages < ThpPages)
            return _random.Next(pages); // a base-page area, or part of a THP area moved away by mremap
        int huge = _random.Next(pages / ThpPages) * ThpPages;
        return huge + ThpPageChoices[_random.Next(ThpPageChoices.Length)];
    }

    private int PickCount(AreaKind kind, int pages, int page)
    {
        int left = pages - page;
        if (kind == AreaKind.Thp && _random.Next(2) == 0)
            return Math.Min(left, new[] { 1, 2, 256, 512 }[_random.Next(4)]);
        return _random.Next(1, Math.Min(left, 4) + 1);
    }
}
