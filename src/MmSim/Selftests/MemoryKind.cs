using System;

namespace MmSim.Selftests;

/// <summary>
/// A memory kind of cow.c: how the test range is set up before a family runs on it. Anonymous kinds
/// prepare one area (<c>Mem</c>); non-anonymous kinds also a second, read-only view of the same
/// backing (<c>SharedView</c>).
/// </summary>
internal sealed class MemoryKind
{
    public MemoryKind(string name, bool anonymous, Func<Process, (ulong Mem, ulong SharedView)> setUp, bool swapped = false, bool pmdMapped = false, int size = PageSize, bool sharedRemainder = false, bool hugetlb = false, bool ksm = false)
    {
        Ksm = ksm;
        Hugetlb = hugetlb;
        SharedRemainder = sharedRemainder;
        Name = name;
        Anonymous = anonymous;
        SetUp = setUp;
        Swapped = swapped;
        PmdMapped = pmdMapped;
        Size = size;
    }

    /// <summary>The range is one PMD-mapped THP (K3): the PMD paths decide, not the PTE ones.</summary>
    public bool PmdMapped { get; }

    /// <summary>
    /// Part of the THP outside the tested range stays mapped by parent and child (K9: the moved upper
    /// half). Before 5.8, page_trans_huge_mapcount() took the largest mapcount over all subpages, so
    /// that part kept the tested half from being reused in place.
    /// </summary>
    public bool SharedRemainder { get; }

    /// <summary>A KSM page: never exclusive and never reused by a write fault, in any generation.</summary>
    public bool Ksm { get; }

    /// <summary>hugetlb memory: reuse by mapcount in every generation, the flag on the head only.</summary>
    public bool Hugetlb { get; }

    /// <summary>The kind needs a machine with 1 GiB hugetlb pages.</summary>
    public bool Gigantic => Hugetlb && Size == GigSize;

    /// <summary>Bytes the families work on.</summary>
    public int Size { get; }

    /// <summary>The kind's pages are swapped out before the family runs (K2, K4, K6, K8).</summary>
    public bool Swapped { get; }

    public string Name { get; }

    public bool Anonymous { get; }

    public Func<Process, (ulong Mem, ulong SharedView)> SetUp { get; }

    private const int PageSize = Machine.PageSize;

    /// <summary>T: the PMD THP size.</summary>
    public const int ThpSize = 2 << 20;

    /// <summary>K1 "base page": an anonymous private page, MADV_NOHUGEPAGE, filled with 0x01.</summary>
    public static MemoryKind BasePage { get; } = new("base page", anonymous: true, process =>
    {
        ulong mem = process.Mmap(0, PageSize, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Anonymous);
        process.Madvise(mem, PageSize, Advice.NoHugePage);
        MemoryImage.Fill(process, mem, 0x01, PageSize);
        return (mem, 0);
    });

    /// <summary>K2 "swapped out base page": K1, then MADV_PAGEOUT; the pagemap must show the page swapped.</summary>
    public static MemoryKind SwappedBasePage { get; } = new("swapped out base page", anonymous: true, process =>
    {
        var (mem, _) = BasePage.SetUp(process);
        return PageOut(process, mem, PageSize);
    }, swapped: true);

    /// <summary>
    /// "KSM page" (not in cow.c, which has no KSM kind; the issue asks for one): K1 and a second page with the
    /// same contents, merged by two KSM scans into one write-protected KSM page that both map.
    /// </summary>
    public static MemoryKind KsmPage { get; } = new("KSM page", anonymous: true, process =>
    {
        ulong mem = process.Mmap(0, 2 * PageSize, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Anonymous);
        process.Madvise(mem, 2 * PageSize, Advice.NoHugePage);
        MemoryImage.Fill(process, mem, 0x01, 2 * PageSize);
        process.Madvise(mem, 2 * PageSize, Advice.Mergeable);
        process.Machine.RunKsm();
        process.Machine.RunKsm();
        if (!process.PageMap(mem).Ksm)
            throw new SelftestSkipException("KSM did not merge the page");
        return (mem, 0);
    }, ksm: true);

    /// <summary>K3 "THP": the prologue leaves one PMD-mapped THP filled with 0x01.</summary>
    public static MemoryKind Thp { get; } = new("THP (2048 kB)", anonymous: true, process => (ThpPrologue(process), 0), pmdMapped: true, size: ThpSize);

    /// <summary>
    /// K4 "swapped-out THP": the THP goes to swap whole, but try_to_unmap() splits its PMD first, so the
    /// pages come back one PTE at a time and the PTE paths decide, as for K6.
    /// </summary>
    public static MemoryKind SwappedThp { get; } = new("swapped-out THP (2048 kB)", anonymous: true, process =>
        PageOut(process, ThpPrologue(process), ThpSize), swapped: true, size: ThpSize);

    /// <summary>K5 "PTE-mapped THP": mprotect() of one subpage and back splits the PMD into PTEs.</summary>
    public static MemoryKind PteMappedThp { get; } = new("PTE-mapped THP (2048 kB)", anonymous: true, process =>
        (PteMap(process, ThpPrologue(process)), 0), size: ThpSize);

    /// <summary>K6 "swapped-out, PTE-mapped THP".</summary>
    public static MemoryKind SwappedPteMappedThp { get; } = new("swapped-out, PTE-mapped THP (2048 kB)", anonymous: true, process =>
        PageOut(process, PteMap(process, ThpPrologue(process)), ThpSize), swapped: true, size: ThpSize);

    /// <summary>K7 "single PTE of THP": MADV_DONTNEED of all but the first subpage.</summary>
    public static MemoryKind SinglePteOfThp { get; } = new("single PTE of THP (2048 kB)", anonymous: true, process =>
    {
        ulong mem = ThpPrologue(process);
        process.Madvise(mem + PageSize, ThpSize - PageSize, Advice.DontNeed);
        return (mem, 0);
    });

    /// <summary>K8 "single PTE of swapped-out THP".</summary>
    public static MemoryKind SinglePteOfSwappedThp { get; } = new("single PTE of swapped-out THP (2048 kB)", anonymous: true, process =>
    {
        ulong mem = ThpPrologue(process);
        process.Madvise(mem + PageSize, ThpSize - PageSize, Advice.DontNeed);
        return PageOut(process, mem, PageSize);
    }, swapped: true);

    /// <summary>K9 "partially mremap()'ed THP": the upper half moves into a reserved PROT_NONE area; the lower half is tested.</summary>
    public static MemoryKind PartiallyMremappedThp { get; } = new("partially mremap()'ed THP (2048 kB)", anonymous: true, process =>
    {
        ulong mem = ThpPrologue(process);
        ulong reserved = process.Mmap(0, ThpSize / 2, Prot.None, MapFlags.Private | MapFlags.Anonymous);
        process.Mremap(mem + ThpSize / 2, ThpSize / 2, ThpSize / 2, MremapFlags.MayMove | MremapFlags.Fixed, reserved);
        return (mem, 0);
    }, size: ThpSize / 2, sharedRemainder: true);

    /// <summary>K10 "partially shared THP": only the first subpage was ever shared with a child.</summary>
    public static MemoryKind PartiallySharedThp { get; } = new("partially shared THP (2048 kB)", anonymous: true, process =>
    {
        ulong mem = ThpPrologue(process);
        process.Madvise(mem + PageSize, ThpSize - PageSize, Advice.DontFork);
        process.Fork().Exit();
        process.Madvise(mem + PageSize, ThpSize - PageSize, Advice.DoFork);
        return (mem, 0);
    }, size: ThpSize);

    /// <summary>
    /// K11 "hugetlb (2048 kB)": a private MAP_HUGETLB page filled with 0x01; a second huge page mapped and
    /// unmapped proves there is a spare one for COW (SKIP otherwise).
    /// </summary>
    public static MemoryKind HugetlbPage { get; } = HugetlbOfSize(ThpSize);

    /// <summary>K11 for the second hugetlb size cow.c finds on x86-64: "hugetlb (1048576 kB)", 1 GiB pages mapped by a PUD.</summary>
    public static MemoryKind GiganticHugetlbPage { get; } = HugetlbOfSize(GigSize);

    /// <summary>N5 "memfd hugetlb (2048 kB)": a hugetlb memfd mapped private R/W and shared R/O.</summary>
    public static MemoryKind MemfdHugetlb { get; } = MemfdOfHugetlb(ThpSize);

    /// <summary>N5 for 1 GiB pages: "memfd hugetlb (1048576 kB)".</summary>
    public static MemoryKind MemfdGiganticHugetlb { get; } = MemfdOfHugetlb(GigSize);

    /// <summary>The 1 GiB hugetlb page size.</summary>
    public const int GigSize = 1 << 30;

    private static MemoryKind HugetlbOfSize(int size) => new($"hugetlb ({size >> 10} kB)", anonymous: true, process =>
    {
        ulong mem = MapHugetlb(process, size);
        MemoryImage.Fill(process, mem, 0x01, size);
        ulong spare = MapHugetlb(process, size);
        process.Munmap(spare, (ulong)size);
        return (mem, 0);
    }, size: size, hugetlb: true);

    private static MemoryKind MemfdOfHugetlb(int size) => new($"memfd hugetlb ({size >> 10} kB)", anonymous: false, process =>
    {
        SimFile file;
        try
        {
            file = process.Machine.CreateMemfd("test", size, hugetlb: true, hugetlb1G: size == GigSize);
        }
        catch (MmException error) when (error.Errno == Errno.ENOMEM)
        {
            throw new SelftestSkipException("need more free huge pages");
        }
        ulong mem = process.Mmap(0, (ulong)size, Prot.Read | Prot.Write, MapFlags.Private, file);
        ulong smem = process.Mmap(0, (ulong)size, Prot.Read, MapFlags.Shared, file);
        TouchBoth(process, mem, smem);
        return (mem, smem);
    }, size: size, hugetlb: true);

    private static ulong MapHugetlb(Process process, int size)
    {
        try
        {
            return process.Mmap(0, (ulong)size, Prot.Read | Prot.Write,
                MapFlags.Private | MapFlags.Anonymous | MapFlags.HugeTlb | (size == GigSize ? MapFlags.HugeTlb1G : 0));
        }
        catch (MmException error) when (error.Errno == Errno.ENOMEM)
        {
            throw new SelftestSkipException("need more free huge pages");
        }
    }

    /// <summary>N1 "shared zeropage": two private anonymous areas, both read, so both map the zero page.</summary>
    public static MemoryKind SharedZeropage { get; } = new("shared zeropage", anonymous: false, process =>
    {
        ulong mem = process.Mmap(0, PageSize, Prot.Read | Prot.Write, MapFlags.Private | MapFlags.Anonymous);
        ulong smem = process.Mmap(0, PageSize, Prot.Read, MapFlags.Private | MapFlags.Anonymous);
        TouchBoth(process, mem, smem);
        return (mem, smem);
    });

    /// <summary>N2 "memfd": a memfd mapped private R/W and shared R/O.</summary>
    public static MemoryKind Memfd { get; } = new("memfd", anonymous: false, process =>
    {
        var file = process.Machine.CreateMemfd("test", PageSize);
        return MapFileTwice(process, file);
    });

    /// <summary>N3 "tmpfile": a regular file mapped private R/W and shared R/O.</summary>
    public static MemoryKind Tmpfile { get; } = new("tmpfile", anonymous: false, process =>
    {
        var file = process.Machine.CreateFile("tmpfile", new byte[PageSize]);
        return MapFileTwice(process, file);
    });

    /// <summary>
    /// N4 "huge zeropage": two T-aligned private anonymous areas advised MADV_HUGEPAGE, both read, so both map
    /// the huge zero page; SKIP unless a second subpage got populated by the one read.
    /// </summary>
    public static MemoryKind HugeZeropage { get; } = new("huge zeropage", anonymous: false, process =>
    {
        ulong mem = AlignedThpArea(process, Prot.Read | Prot.Write);
        ulong smem = AlignedThpArea(process, Prot.Read);
        TouchBoth(process, mem, smem);
        if (!process.PageMap(mem + PageSize).Present || !process.PageMap(smem + PageSize).Present)
            throw new SelftestSkipException("Did not get THPs populated");
        return (mem, smem);
    }, size: ThpSize);

    /// <summary>
    /// The THP prologue of cow.c: a 2T area, its T-aligned middle advised MADV_HUGEPAGE, one write to
    /// fault the THP in; SKIP if its last subpage is not there (no THP), then a fill with 0x01.
    /// </summary>
    private static ulong ThpPrologue(Process process)
    {
        ulong mem = AlignedThpArea(process, Prot.Read | Prot.Write);
        process.Write(mem, new byte[] { 1 });
        if (!process.PageMap(mem + ThpSize - PageSize).Present || !process.PageMap(mem).Thp)
            throw new SelftestSkipException("Did not get a THP populated");
        MemoryImage.Fill(process, mem, 0x01, ThpSize);
        return mem;
    }

    /// <summary>The T-aligned middle of a fresh 2T private anonymous area, advised MADV_HUGEPAGE.</summary>
    private static ulong AlignedThpArea(Process process, Prot prot)
    {
        ulong area = process.Mmap(0, 2 * ThpSize, prot, MapFlags.Private | MapFlags.Anonymous);
        ulong mem = (area + ThpSize - 1) & ~(ulong)(ThpSize - 1);
        process.Madvise(mem, ThpSize, Advice.HugePage);
        return mem;
    }

    /// <summary>mprotect(m + PG, PG, R) then RW: the PMD is split into PTEs.</summary>
    private static ulong PteMap(Process process, ulong mem)
    {
        process.Mprotect(mem + PageSize, PageSize, Prot.Read);
        process.Mprotect(mem + PageSize, PageSize, Prot.Read | Prot.Write);
        return mem;
    }

    /// <summary>MADV_PAGEOUT; SKIP unless every page of the range is swapped out.</summary>
    private static (ulong, ulong) PageOut(Process process, ulong mem, int size)
    {
        process.Madvise(mem, (ulong)size, Advice.PageOut);
        for (ulong offset = 0; offset < (ulong)size; offset += PageSize)
        {
            if (!process.PageMap(mem + offset).Swapped)
                throw new SelftestSkipException("MADV_PAGEOUT did not work, is swap enabled?");
        }
        return (mem, 0);
    }

    private static (ulong, ulong) MapFileTwice(Process process, SimFile file)
    {
        ulong mem = process.Mmap(0, PageSize, Prot.Read | Prot.Write, MapFlags.Private, file);
        ulong smem = process.Mmap(0, PageSize, Prot.Read, MapFlags.Shared, file);
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
