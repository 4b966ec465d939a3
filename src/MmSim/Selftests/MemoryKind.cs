using System;

namespace MmSim.Selftests;

/// <summary>
/// A memory kind of cow.c: how the test range is set up before a family runs on it. Anonymous kinds
/// prepare one area (<c>Mem</c>); non-anonymous kinds also a second, read-only view of the same
/// backing (<c>SharedView</c>).
/// </summary>
internal sealed class MemoryKind
{
    public MemoryKind(string name, bool anonymous, Func<Process, (ulong Mem, ulong SharedView)> setUp, bool swapped = false)
    {
        Name = name;
        Anonymous = anonymous;
        SetUp = setUp;
        Swapped = swapped;
    }

    /// <summary>The kind's pages are swapped out before the family runs (K2, K4, K6, K8).</summary>
    public bool Swapped { get; }

    public string Name { get; }

    public bool Anonymous { get; }

    public Func<Process, (ulong Mem, ulong SharedView)> SetUp { get; }

    /// <summary>The test range is one page for every base-page kind.</summary>
    public const int Size = Machine.PageSize;

    /// <summary>K1 "base page": an anonymous private page, MADV_NOHUGEPAGE, filled with 0x01.</summary>
    public static MemoryKind BasePage { get; } = new("base page", anonymous: true, process =>
    {
        ulong mem = process.Mmap(0, Size, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Anonymous);
        process.Madvise(mem, Size, Advice.NoHugePage);
        process.Write(mem, Filled(0x01));
        return (mem, 0);
    });

    /// <summary>K2 "swapped out base page": K1, then MADV_PAGEOUT; the pagemap must show the page swapped.</summary>
    public static MemoryKind SwappedBasePage { get; } = new("swapped out base page", anonymous: true, process =>
    {
        var (mem, _) = BasePage.SetUp(process);
        process.Madvise(mem, Size, Advice.PageOut);
        if (!process.PageMap(mem).Swapped)
            throw new SelftestSkipException("MADV_PAGEOUT did not work, is swap enabled?");
        return (mem, 0);
    }, swapped: true);

    /// <summary>N1 "shared zeropage": two private anonymous areas, both read, so both map the zero page.</summary>
    public static MemoryKind SharedZeropage { get; } = new("shared zeropage", anonymous: false, process =>
    {
        ulong mem = process.Mmap(0, Size, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Anonymous);
        ulong smem = process.Mmap(0, Size, Prot.Read, MapFlags.Private | MapFlags.Anonymous);
        TouchBoth(process, mem, smem);
        return (mem, smem);
    });

    /// <summary>N2 "memfd": a memfd mapped private R/W and shared R/O.</summary>
    public static MemoryKind Memfd { get; } = new("memfd", anonymous: false, process =>
    {
        var file = process.Machine.CreateMemfd("test", Size);
        return MapFileTwice(process, file);
    });

    /// <summary>N3 "tmpfile": a regular file mapped private R/W and shared R/O.</summary>
    public static MemoryKind Tmpfile { get; } = new("tmpfile", anonymous: false, process =>
    {
        var file = process.Machine.CreateFile("tmpfile", new byte[Size]);
        return MapFileTwice(process, file);
    });

    public static byte[] Filled(byte value)
    {
        var bytes = new byte[Size];
        Array.Fill(bytes, value);
        return bytes;
    }

    private static (ulong, ulong) MapFileTwice(Process process, SimFile file)
    {
        ulong mem = process.Mmap(0, Size, Prot.Read | Prot.Write, MapFlags.Private, file);
        ulong smem = process.Mmap(0, Size, Prot.Read, MapFlags.Shared, file);
        TouchBoth(process, mem, smem);
        return (mem, smem);
    }

    private static void TouchBoth(Process process, ulong mem, ulong smem)
    {
        Span<byte> one = stackalloc byte[1];
        process.Read(mem, one);
        process.Read(smem, one);
    }
}
