using System.Collections.Generic;
using MmSim.Rmap;

namespace MmSim.Vm;

/// <summary>struct vm_area_struct: one mapped range of a process with its flags and backing.</summary>
internal sealed class Vma
{
    public Vma(Mm mm, ulong start, ulong end, VmFlags flags, SimFile? file, ulong pgoff)
    {
        Mm = mm;
        Start = start;
        End = end;
        Flags = flags;
        File = file;
        PgOff = pgoff;
        file?.AddMapping();
    }

    public Mm Mm { get; }

    /// <summary>vm_start (inclusive).</summary>
    public ulong Start { get; set; }

    /// <summary>vm_end (exclusive).</summary>
    public ulong End { get; set; }

    public VmFlags Flags { get; set; }

    /// <summary>vm_file; null for private anonymous memory.</summary>
    public SimFile? File { get; }

    /// <summary>vm_pgoff: the file page (or, for anon, the linear page index) of <see cref="Start"/>.</summary>
    public ulong PgOff { get; set; }

    /// <summary>vma-&gt;anon_vma: where new anonymous pages of this area point; null until the first one.</summary>
    public AnonVma? AnonVma { get; set; }

    /// <summary>Every anon_vma this area is chained to (its own and its ancestors').</summary>
    public List<AnonVma> AnonVmaChain { get; } = new();

    /// <summary>The hugetlb pages this private area reserved at mmap time (null for other areas, and in a child).</summary>
    public Hugetlb.HugetlbReservation? HugetlbReservation { get; set; }

    /// <summary>is_vm_hugetlb_page().</summary>
    public bool IsHugetlb => Flags.HasFlag(VmFlags.HugeTlb);

    /// <summary>
    /// hstate_vma(): the pool of a hugetlb area's pages (its file's, or for MAP_HUGETLB the one the flags chose);
    /// null for other areas.
    /// </summary>
    public Hugetlb.HugetlbPool? Hstate
    {
        get => File?.Hstate ?? _anonHstate;
        init => _anonHstate = value;
    }

    private readonly Hugetlb.HugetlbPool? _anonHstate;

    /// <summary>huge_page_size(hstate_vma()) of a hugetlb area.</summary>
    public ulong HugePageSize => Hstate!.Size;

    /// <summary>vma_is_anonymous(): no file behind the area.</summary>
    public bool IsAnonymous => File is null;

    public bool IsCowMapping => Flags.IsCowMapping();

    /// <summary>linear_page_index(): the page index of <paramref name="address"/> in the file or anon_vma.</summary>
    public ulong LinearPageIndex(ulong address) => ((address - Start) >> PageTables.PageTable.PageShift) + PgOff;

    /// <summary>vma_address(): where the page at <paramref name="index"/> lies in this area; false if outside it.</summary>
    public bool TryAddressOf(ulong index, out ulong address)
    {
        address = Start + ((index - PgOff) << PageTables.PageTable.PageShift);
        return index >= PgOff && address < End;
    }

    public bool Contains(ulong address) => address >= Start && address < End;

    public override string ToString() => $"vma [0x{Start:x}, 0x{End:x}) {Flags}";
}
