using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace MmSim.Differential.Sequences;

/// <summary>The text form of a sequence: one <see cref="Op"/> a line, '#' starts a comment.</summary>
public static class SequenceText
{
    public static string Format(IEnumerable<Op> ops) => string.Concat(ops.Select(op => op + "\n"));

    public static IReadOnlyList<Op> Parse(string text)
    {
        var ops = new List<Op>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
                continue;
            ops.Add(ParseLine(line));
        }
        return ops;
    }

    public static Op ParseLine(string line)
    {
        var t = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        int N(int i) => int.Parse(t[i], CultureInfo.InvariantCulture);
        int expected = t[0] switch
        {
            "exit" or "drain" or "unpin" => 2,
            "fork" or "pinread" => 3,
            "read" or "pagemap" or "pinwrite" => 4,
            "mmap" or "write" or "munmap" or "memwrite" => 5,
            "mprotect" or "madvise" or "mremap" or "vmsplice" or "pin" => 6,
            "same" => 7,
            _ => throw new FormatException($"unknown operation '{t[0]}' in '{line}'"),
        };
        if (t.Length != expected)
            throw new FormatException($"'{t[0]}' takes {expected - 1} arguments: '{line}'");
        return t[0] switch
        {
            "mmap" => new MmapOp(N(1), N(2), N(3), Enum.TryParse<AreaKind>(t[4], ignoreCase: true, out var kind) && !int.TryParse(t[4], out _)
                ? kind : throw new FormatException($"unknown area kind '{t[4]}' in '{line}'")),
            "write" => new WriteOp(N(1), N(2), N(3), N(4)),
            "read" => new ReadOp(N(1), N(2), N(3)),
            "munmap" => new MunmapOp(N(1), N(2), N(3), N(4)),
            "mprotect" => new MprotectOp(N(1), N(2), N(3), N(4), t[5]),
            "madvise" => new MadviseOp(N(1), N(2), N(3), N(4), t[5]),
            "mremap" => new MremapOp(N(1), N(2), N(3), N(4), N(5)),
            "fork" => new ForkOp(N(1), N(2)),
            "exit" => new ExitOp(N(1)),
            "vmsplice" => new VmspliceOp(N(1), N(2), N(3), N(4), N(5)),
            "drain" => new DrainOp(N(1)),
            "pin" => new PinOp(N(1), N(2), N(3), N(4), N(5)),
            "pinread" => new PinReadOp(N(1), N(2)),
            "pinwrite" => new PinWriteOp(N(1), N(2), N(3)),
            "unpin" => new UnpinOp(N(1)),
            "memwrite" => new MemWriteOp(N(1), N(2), N(3), N(4)),
            "pagemap" => new PageMapOp(N(1), N(2), N(3)),
            _ => new SameOp(N(1), N(2), N(3), N(4), N(5), N(6)),
        };
    }
}
