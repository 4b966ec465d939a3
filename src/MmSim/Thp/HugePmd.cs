using System;
using MmSim.Diagnostics;
using MmSim.Faults;
using MmSim.PageFlags;
using MmSim.PageTables;
using MmSim.Physical;
using MmSim.Rmap;
using MmSim.Vm;

namespace MmSim.Thp;

/// <summary>
/// PMD-mapped transparent huge pages (mm/huge_memory.c, Linux 6.1): the huge fault, the huge zero page,
/// the write fault that reuses only an exclusive THP and otherwise splits the PMD and lets the PTE level
/// copy, and the PMD split that hands the head's exclusivity to every subpage.
/// </summary>
internal static class HugePmd
{
    public const int Order = PageTable.PmdShift - PageTable.PageShift;
    public const int NrPages = 1 << Order;

    /// <summary>
    /// hugepage_vma_check() + transhuge_vma_suitable(): THP is enabled for the area (always, or madvise
    /// with MADV_HUGEPAGE, never with MADV_NOHUGEPAGE), the area is private anonymous memory, and the
    /// aligned 2 MiB around <paramref name="address"/> lies inside it.
    /// </summary>
    public static bool VmaSuitable(Vma vma, ulong address)
    {
        var mode = vma.Mm.Machine.Options.Thp;
        if (mode == ThpMode.Never || vma.Flags.HasFlag(VmFlags.NoHugePage) || !vma.IsAnonymous || vma.Flags.HasFlag(VmFlags.Shared))
            return false;
        if (mode == ThpMode.Madvise && !vma.Flags.HasFlag(VmFlags.HugePage))
            return false;
        ulong haddr = address & ~(PageTable.PmdSize - 1);
        return haddr >= vma.Start && haddr + PageTable.PmdSize <= vma.End;
    }

    /// <summary>
    /// do_huge_pmd_anonymous_page(): a read maps the huge zero page; a write maps a new zeroed THP, exclusive
    /// from birth. <see cref="VmFault.NeedPage"/> means: fall back to base pages.
    /// </summary>
    public static VmFault DoAnonymousPage(Vma vma, PteSlot pmdSlot, ulong address, FaultFlags flags)
    {
        var mm = vma.Mm;
        var machine = mm.Machine;
        ulong haddr = address & ~(PageTable.PmdSize - 1);
        // vmf_anon_prepare() comes before the zero-page branch: unlike a base zero page, the huge
        // zero page gives the area an anon_vma, so fork's copy_page_range() copies its PMD
        mm.AnonVmaPrepare(vma);
        if ((flags & FaultFlags.Write) == 0)
        {
            // set_huge_zero_folio(); the deposited table lets a later split fill 512 zero-page entries
            if (machine.HugeZeroPage() is not { } zero)
                return VmFault.NeedPage;
            var installedZero = mm.PageTable.TryDepositAndInstallHugePmd(pmdSlot, () => Pte.HugePmd(zero.Head.Pfn, write: false, special: true));
            return installedZero == PteAlloc.NoMemory ? VmFault.NeedPage : VmFault.Ok; // Huge: retry on what another fault installed
        }
        if (mm.Memory.AllocFolio(Order, Gfp.Zero | Gfp.Movable, CompoundDtor.TransHuge) is not { } folio)
            return VmFault.NeedPage; // THP allocation failure falls back to base pages
        var installed = mm.PageTable.TryDepositAndInstallHugePmd(pmdSlot, () =>
        {
            PageAddNewAnonRmapCompound(folio, vma, haddr, machine.Policy.TracksExclusivity);
            return Pte.HugePmd(folio.Head.Pfn, write: vma.Flags.HasFlag(VmFlags.Write), dirty: true);
        });
        if (installed != PteAlloc.Ok)
            folio.Put(); // no memory for the table, or another fault populated the PMD first: retry on what it installed
        return installed == PteAlloc.NoMemory ? VmFault.Oom : VmFault.Ok;
    }

    /// <summary>
    /// do_huge_pmd_wp_page(), PMD lock held: reuse an exclusive THP (or one we hold the only reference to,
    /// by the generation's rule), replace the huge zero page by a new THP; otherwise split the PMD and let the PTE level
    /// copy a single subpage. Returns <see cref="VmFault.NeedPage"/> after a split ("VM_FAULT_FALLBACK").
    /// </summary>
    public static VmFault DoWpPage(Vma vma, PteSlot pmdSlot, Pte pmd, ulong address, FaultFlags flags)
    {
        bool unshare = (flags & FaultFlags.Unshare) != 0;
        if (unshare && !vma.IsCowMapping)
            return VmFault.Ok;
        var mm = vma.Mm;
        if (!pmd.IsSpecial)
        {
            var head = mm.Memory.PfnToPage(pmd.Pfn);
            if (mm.Machine.Policy.HugePmdCanReuse(head.Folio, vma))
            {
                if (!unshare)
                    mm.PageTable.Write(pmdSlot, new Pte(pmd.Raw | Pte.DirtyBit | Pte.SoftDirtyBit | (vma.Flags.HasFlag(VmFlags.Write) ? Pte.WriteBit : 0)));
                return VmFault.Ok;
            }
        }
        else if (DoHugeZeroWpPmd(vma, pmdSlot, address))
        {
            return VmFault.Ok;
        }
        SplitLocked(vma, pmdSlot, address & ~(PageTable.PmdSize - 1));
        return VmFault.NeedPage;
    }

    /// <summary>
    /// do_huge_zero_wp_pmd() (6.13, "mm: Allocate THP on hugezeropage wp-fault"): a write or unshare fault on
    /// the huge zero page maps a new zeroed THP, exclusive and writable, in its place; the deposited table
    /// stays. False when no THP can be allocated: the caller splits the PMD instead.
    /// </summary>
    private static bool DoHugeZeroWpPmd(Vma vma, PteSlot pmdSlot, ulong address)
    {
        var mm = vma.Mm;
        if (mm.Memory.AllocFolio(Order, Gfp.Zero | Gfp.Movable, CompoundDtor.TransHuge) is not { } folio)
            return false;
        ulong haddr = address & ~(PageTable.PmdSize - 1);
        // map_anon_folio_pmd(): maybe_pmd_mkwrite(pmd_mkdirty()), whatever the fault's kind
        PageAddNewAnonRmapCompound(folio, vma, haddr, mm.Machine.Policy.TracksExclusivity);
        mm.PageTable.Write(pmdSlot, Pte.HugePmd(folio.Head.Pfn, write: vma.Flags.HasFlag(VmFlags.Write), dirty: true));
        return true;
    }

    /// <summary>
    /// __split_huge_pmd_locked() without freezing: the deposited table gets 512 entries with the PMD's
    /// permissions, each subpage a mapping (and a reference) of its own, and every subpage becomes exclusive
    /// if the head was ("no need to temporarily clear", 6c287605fd56). The huge zero page becomes 512
    /// entries of the small zero page. A PMD migration entry becomes 512 PTE migration entries of its type,
    /// one per subpage (pmd_migration in __split_huge_pmd_locked), which the migration then restores.
    /// </summary>
    public static void SplitLocked(Vma vma, PteSlot pmdSlot, ulong haddr)
    {
        var mm = vma.Mm;
        var pageTable = mm.PageTable;
        var pmd = pageTable.Read(pmdSlot);
        MmBug.On(!pmd.IsHuge && !pmd.IsSwapPmd, $"splitting a PMD at 0x{haddr:x} that is not huge");
        int table = pageTable.WithdrawTable(pmdSlot);
        var entries = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ulong>(mm.Memory.WritableContents(table));
        // the new entries take the area's vm_page_prot: PROT_NONE stays PROT_NONE
        bool protNone = (vma.Flags & VmFlags.AccessMask) == 0;
        Pte Prot(Pte entry) => protNone ? entry.ToProtNone() : entry;
        if (pmd.IsSwapPmd)
        {
            for (int i = 0; i < NrPages; i++)
                entries[i] = Pte.NonPresent(pmd.Type, pmd.EntryPfn + i).Raw;
        }
        else if (pmd.IsSpecial)
        {
            for (int i = 0; i < NrPages; i++)
                entries[i] = Prot(Pte.Present(mm.Memory.ZeroPage.Pfn, write: false, special: true)).Raw;
        }
        else
        {
            var folio = mm.Memory.PfnToPage(pmd.Pfn).Folio;
            bool anonExclusive = folio.IsAnon && mm.Machine.Policy.TracksExclusivity && folio.Head.IsAnonExclusive;
            folio.RefAdd(NrPages - 1);
            for (int i = 0; i < NrPages; i++)
            {
                var sub = folio.Page(i);
                if (anonExclusive)
                    sub.SetAnonExclusive();
                sub.IncMapCount(mm.Id);
                entries[i] = Prot(Pte.Present(sub.Pfn, pmd.IsWrite, pmd.IsDirty)).Raw;
            }
            folio.AddEntireMapcount(-1, mm.Id); // page_remove_rmap(compound)
        }
        pageTable.PopulatePmd(pmdSlot, table);
    }

    /// <summary>split_huge_pmd(): splits the huge PMD (or PMD migration entry) mapping <paramref name="address"/>, if there is one.</summary>
    public static void Split(Vma vma, ulong address)
    {
        var pageTable = vma.Mm.PageTable;
        if (vma.IsHugetlb || !pageTable.TryGetPmdSlot(address, out var pmdSlot))
            return; // hugetlb pages are never split: their areas only ever cover whole pages
        lock (pageTable.PtLock(pmdSlot))
        {
            var pmd = pageTable.Read(pmdSlot);
            if (pmd.IsHuge || pmd.IsSwapPmd)
                SplitLocked(vma, pmdSlot, address & ~(PageTable.PmdSize - 1));
        }
    }

    /// <summary>Splits every huge PMD that [start, end) covers only in part (vma_adjust_trans_huge, __split_huge_pmd on partial zaps).</summary>
    public static void SplitPartial(Vma vma, ulong start, ulong end)
    {
        if ((start & (PageTable.PmdSize - 1)) != 0)
            Split(vma, start);
        if ((end & (PageTable.PmdSize - 1)) != 0)
            Split(vma, end);
    }

    /// <summary>
    /// zap_huge_pmd(): the whole THP loses this mapping; the deposited table is freed. A PMD migration entry
    /// holds no mapping or reference of its own: it just goes (the migration finds nothing to restore there).
    /// </summary>
    public static void Zap(Vma vma, PteSlot pmdSlot, Pte pmd)
    {
        var mm = vma.Mm;
        // the reserve goes first: once the PMD reads empty, a racing fault may deposit a table of its own
        mm.PageTable.ZapDepositedTable(pmdSlot);
        mm.PageTable.Write(pmdSlot, Pte.None);
        if (pmd.IsSpecial || pmd.IsSwapPmd)
            return;
        var folio = mm.Memory.PfnToPage(pmd.Pfn).Folio;
        folio.AddEntireMapcount(-1, mm.Id);
        folio.Put();
    }

    /// <summary>page_add_new_anon_rmap(compound): a new THP, mapped once by a PMD, exclusive through its head.</summary>
    public static void PageAddNewAnonRmapCompound(Folio folio, Vma vma, ulong haddr, bool exclusive)
    {
        var anonVma = vma.Mm.AnonVmaPrepare(vma);
        folio.Set(PG.SwapBacked);
        folio.AddEntireMapcount(1, vma.Mm.Id);
        folio.SetMapping(anonVma.Mapping);
        folio.SetIndex(vma.LinearPageIndex(haddr));
        if (exclusive)
            folio.Head.SetAnonExclusive();
        vma.Mm.Memory.Lru.Add(folio);
    }
}
