using System;
using System.Runtime.InteropServices;
using System.Threading;
using MmSim.Diagnostics;
using MmSim.PageFlags;
using MmSim.Physical;

namespace MmSim.PageTables;

/// <summary>
/// A process's 4-level page table (x86-64: PGD, PUD, PMD, PTE, 512 entries each). Tables are frames
/// of the simulated RAM (PageTable page type) and the entries are the bytes of those frames, so a page
/// table costs what it costs in the kernel: 8 bytes per PTE plus its upper levels.
/// </summary>
internal sealed class PageTable
{
    public const int PtrsPerTable = 512;
    public const int PageShift = 12;
    public const int PmdShift = 21;
    public const int PudShift = 30;
    public const int PgdShift = 39;
    public const ulong PmdSize = 1UL << PmdShift;
    public const ulong PudSize = 1UL << PudShift;

    private readonly PhysicalMemory _memory;
    private readonly PtLockPool _locks;
    private readonly object _populateLock = new(); // mm->page_table_lock
    private readonly System.Collections.Generic.Dictionary<PteSlot, int> _deposited = new(); // pgtable_trans_huge_deposit()

    private PageTable(PhysicalMemory memory, PtLockPool locks, int pgdPfn)
    {
        _memory = memory;
        _locks = locks;
        PgdPfn = pgdPfn;
    }

    public int PgdPfn { get; }

    /// <summary>Page-table pages in use, the PGD included (mm_pgtables_bytes / PAGE_SIZE).</summary>
    public int TablePages { get; private set; } = 1;

    /// <summary>pgd_alloc(); null when memory is exhausted.</summary>
    public static PageTable? TryCreate(PhysicalMemory memory, PtLockPool locks)
    {
        int pfn = AllocTablePage(memory, locks);
        return pfn < 0 ? null : new PageTable(memory, locks, pfn);
    }

    /// <summary>The split PT lock of a PTE table (pte_lockptr).</summary>
    [MmSim.Contracts.PageTableLock]
    public object PtLock(PteSlot slot) => _locks[(int)_memory.Map.Private[slot.TablePfn]];

    /// <summary>
    /// The PMD slot for <paramref name="address"/> (pmd_offset) if the PGD and PUD levels exist; false under a huge
    /// PUD too (a 1 GiB hugetlb page has no PMD level).
    /// </summary>
    public bool TryGetPmdSlot(ulong address, out PteSlot slot) =>
        TryGetPmdLevel(address, out slot, out int shift) && shift == PmdShift;

    /// <summary>
    /// The entry a walk finds at the PMD level for <paramref name="address"/>: the PMD slot (<paramref name="shift"/>
    /// = <see cref="PmdShift"/>), or the PUD slot of a huge PUD above it (<see cref="PudShift"/>), as
    /// follow_pud_mask() stops at pud_leaf(), or of a non-present PUD (the hwpoison entry of a 1 GiB hugetlb page);
    /// false if an upper table is missing.
    /// </summary>
    public bool TryGetPmdLevel(ulong address, out PteSlot slot, out int shift)
    {
        slot = default;
        shift = PgdShift;
        int table = PgdPfn;
        for (; shift > PmdShift; shift -= 9)
        {
            var entry = Read(table, IndexAt(address, shift));
            if (shift == PudShift && (entry.IsHuge || entry.IsSwapPmd))
            {
                slot = new PteSlot(table, IndexAt(address, shift));
                return true;
            }
            if (!entry.IsPresent)
                return false;
            table = (int)entry.Pfn;
        }
        slot = new PteSlot(table, IndexAt(address, PmdShift));
        return true;
    }

    /// <summary>
    /// huge_pte_offset(): the entry that maps a hugetlb page of 2^<paramref name="shift"/> bytes at
    /// <paramref name="address"/>: the PMD for 2 MiB pages, the PUD for 1 GiB ones; false if the tables above it do not exist.
    /// </summary>
    public bool TryGetHugePteSlot(ulong address, int shift, out PteSlot slot) => TryGetSlot(address, shift, out slot);

    /// <summary>huge_pte_alloc(): like <see cref="TryGetHugePteSlot"/>, allocating the tables above the entry; false on ENOMEM.</summary>
    public bool TryAllocHugePteSlot(ulong address, int shift, out PteSlot slot) => TryAllocSlot(address, shift, out slot);

    /// <summary>pmd_alloc(): the PMD slot for <paramref name="address"/>, allocating the upper tables; false on ENOMEM.</summary>
    public bool TryAllocPmdSlot(ulong address, out PteSlot slot) => TryAllocSlot(address, PmdShift, out slot);

    /// <summary>
    /// pgtable_trans_huge_deposit(): a huge PMD keeps a PTE table in reserve, so that splitting it never
    /// needs memory. Returns false on ENOMEM.
    /// </summary>
    public bool TryDepositTable(PteSlot pmdSlot)
    {
        int table = AllocTablePage(_memory, _locks);
        if (table < 0)
            return false;
        lock (_populateLock)
        {
            _deposited.Add(pmdSlot, table);
            TablePages++;
        }
        return true;
    }

    /// <summary>
    /// do_huge_pmd_anonymous_page() and set_huge_zero_folio(): the reserve PTE table is allocated first, then,
    /// under the lock, the PMD must still be empty (pmd_none) before the table is deposited and the entry that
    /// <paramref name="prepare"/> builds is set. <see cref="PteAlloc.Huge"/>: something else filled the PMD first.
    /// </summary>
    public PteAlloc TryDepositAndInstallHugePmd(PteSlot pmdSlot, System.Func<Pte> prepare)
    {
        int table = AllocTablePage(_memory, _locks);
        if (table < 0)
            return PteAlloc.NoMemory;
        lock (_populateLock)
        {
            if (Read(pmdSlot).IsNone)
            {
                _deposited.Add(pmdSlot, table);
                TablePages++;
                Write(pmdSlot, prepare());
                return PteAlloc.Ok;
            }
            FreeTablePage(table);
        }
        return PteAlloc.Huge;
    }

    /// <summary>pgtable_trans_huge_deposit() of a table already counted, emptied by a collapse; the caller holds the PMD lock.</summary>
    public void DepositTable(PteSlot pmdSlot, int table)
    {
        lock (_populateLock)
            _deposited.Add(pmdSlot, table);
    }

    /// <summary>pgtable_trans_huge_withdraw(): the reserved PTE table of a huge PMD.</summary>
    public int WithdrawTable(PteSlot pmdSlot)
    {
        lock (_populateLock)
        {
            MmBug.On(!_deposited.Remove(pmdSlot, out int table), $"no PTE table deposited for PMD slot {pmdSlot}");
            return table;
        }
    }

    /// <summary>zap_deposited_table(): frees the reserve of a huge PMD that goes away.</summary>
    public void ZapDepositedTable(PteSlot pmdSlot)
    {
        int table = WithdrawTable(pmdSlot);
        lock (_populateLock)
        {
            FreeTablePage(table);
            TablePages--;
        }
    }

    /// <summary>pmd_populate(): points a PMD at a (withdrawn) PTE table; the caller holds the PMD lock.</summary>
    public void PopulatePmd(PteSlot pmdSlot, int table) => Write(pmdSlot, Pte.Present(table, write: true));

    /// <summary>The tables reserved by huge PMDs (for checks).</summary>
    public System.Collections.Generic.IReadOnlyCollection<int> DepositedTables()
    {
        lock (_populateLock)
            return new System.Collections.Generic.List<int>(_deposited.Values);
    }

    /// <summary>
    /// The leaf entry that maps <paramref name="address"/> and the shift of what it maps: a huge PUD
    /// (<see cref="PudShift"/>), a huge PMD or a PMD migration entry (is_swap_pmd, <see cref="PmdShift"/>), or a
    /// PTE slot (<see cref="PageShift"/>); false if the tables down to it do not exist.
    /// </summary>
    public bool TryGetLeaf(ulong address, out PteSlot slot, out int shift)
    {
        if (!TryGetPmdLevel(address, out slot, out shift))
            return false;
        if (shift == PudShift)
            return true;
        var pmd = Read(slot);
        if (pmd.IsHuge || pmd.IsSwapPmd)
            return true;
        shift = PageShift;
        if (!pmd.IsPresent)
            return false;
        slot = new PteSlot((int)pmd.Pfn, IndexAt(address, PageShift));
        return true;
    }

    /// <summary>The frame a leaf of 2^<paramref name="shift"/> bytes maps for <paramref name="address"/>: a huge PMD maps 512 in a row, a huge PUD 262,144.</summary>
    public static long LeafPfn(Pte leaf, int shift, ulong address) =>
        leaf.Pfn + (long)((address & ((1UL << shift) - 1)) >> PageShift);

    /// <summary>The first address after the leaf of 2^<paramref name="shift"/> bytes that maps <paramref name="address"/>.</summary>
    public static ulong LeafEnd(ulong address, int shift) => (address | ((1UL << shift) - 1)) + 1;

    /// <summary>The PTE slot for <paramref name="address"/> if every upper level exists.</summary>
    public bool TryGetPteSlot(ulong address, out PteSlot slot) => TryGetSlot(address, PageShift, out slot);

    /// <summary>__pte_alloc() and friends: the PTE slot for <paramref name="address"/>, allocating tables; false on ENOMEM.</summary>
    public bool TryAllocPteSlot(ulong address, out PteSlot slot) => TryAllocSlot(address, PageShift, out slot);

    /// <summary>The slot at the level of <paramref name="shift"/> for <paramref name="address"/>, if every table above it exists (none of them huge).</summary>
    private bool TryGetSlot(ulong address, int shift, out PteSlot slot)
    {
        slot = default;
        int table = PgdPfn;
        for (int level = PgdShift; level > shift; level -= 9)
        {
            var entry = Read(table, IndexAt(address, level));
            if (!entry.IsPresent || entry.IsHuge)
                return false;
            table = (int)entry.Pfn;
        }
        slot = new PteSlot(table, IndexAt(address, shift));
        return true;
    }

    /// <summary>The slot at the level of <paramref name="shift"/> for <paramref name="address"/>, allocating the tables above it; false on ENOMEM.</summary>
    private bool TryAllocSlot(ulong address, int shift, out PteSlot slot)
    {
        slot = default;
        int table = PgdPfn;
        for (int level = PgdShift; level > shift; level -= 9)
        {
            if (!TryPopulate(table, IndexAt(address, level), out table))
                return false;
        }
        slot = new PteSlot(table, IndexAt(address, shift));
        return true;
    }

    /// <summary>
    /// __pte_alloc() for the fault path: like <see cref="TryAllocPteSlot"/>, but a huge PMD that appeared
    /// meanwhile (another fault installed a THP) is reported instead of being a bug.
    /// </summary>
    public PteAlloc AllocPteSlotForFault(ulong address, out PteSlot slot)
    {
        slot = default;
        if (!TryAllocPmdSlot(address, out var pmdSlot))
            return PteAlloc.NoMemory;
        lock (_populateLock) // huge PMDs are installed under the same lock (TryDepositAndInstallHugePmd, TryInstallHugePmd)
        {
            var pmd = Read(pmdSlot);
            if (pmd.IsHuge || pmd.IsSwapPmd)
                return PteAlloc.Huge;
            return TryAllocPteSlot(address, out slot) ? PteAlloc.Ok : PteAlloc.NoMemory;
        }
    }

    /// <summary>
    /// set_pmd_at() of a new huge PMD, if the PMD is still empty (pmd_none, rechecked under the lock that
    /// PTE-table population takes too); <paramref name="prepare"/> runs only then, and builds the entry.
    /// </summary>
    public bool TryInstallHugePmd(PteSlot pmdSlot, System.Func<Pte> prepare)
    {
        lock (_populateLock)
        {
            if (!Read(pmdSlot).IsNone)
                return false;
            Write(pmdSlot, prepare());
            return true;
        }
    }

    /// <summary>The table an upper-level entry points to, allocated if missing; false on ENOMEM.</summary>
    private bool TryPopulate(int table, int index, out int child)
    {
        var entry = Read(table, index);
        if (!entry.IsPresent)
        {
            lock (_populateLock)
            {
                entry = Read(table, index);
                MmBug.On(entry.IsSwapPmd, $"a PTE table would replace the PMD migration entry in table 0x{table:x} slot {index}");
                if (!entry.IsPresent)
                {
                    int fresh = AllocTablePage(_memory, _locks);
                    if (fresh < 0)
                    {
                        child = -1;
                        return false;
                    }
                    TablePages++;
                    entry = Pte.Present(fresh, write: true);
                    Write(table, index, entry);
                }
            }
        }
        MmBug.On(entry.IsHuge, $"huge entry in table 0x{table:x} slot {index} where a table was expected");
        child = (int)entry.Pfn;
        return true;
    }

    /// <summary>ptep_get(): a lockless (READ_ONCE) read of the entry.</summary>
    public Pte Read(PteSlot slot) => Read(slot.TablePfn, slot.Index);

    /// <summary>set_pte_at(); the caller holds the PT lock.</summary>
    public void Write(PteSlot slot, Pte pte) => Write(slot.TablePfn, slot.Index, pte);

    /// <summary>
    /// free_pgd_range(): frees the page tables that only cover addresses in [floor, ceiling), the hole
    /// left by an unmap between the neighbouring areas; their entries must already be zapped.
    /// </summary>
    public void FreeRange(ulong start, ulong end, ulong floor, ulong ceiling)
    {
        lock (_populateLock)
            FreeLevel(PgdPfn, PgdShift, 0, start, end, floor, ceiling);
    }

    /// <summary>exit_mmap()'s free_pgtables + pgd_free: every table, the PGD last.</summary>
    public void FreeAll()
    {
        FreeRange(0, ulong.MaxValue, 0, ulong.MaxValue);
        FreeTablePage(PgdPfn);
        TablePages--;
    }

    private void FreeLevel(int table, int shift, ulong tableBase, ulong start, ulong end, ulong floor, ulong ceiling)
    {
        ulong span = 1UL << shift;
        for (int i = 0; i < PtrsPerTable; i++)
        {
            ulong lo = tableBase + (ulong)i * span;
            ulong hi = lo + span - 1; // inclusive, so the top of the address space does not overflow
            if (hi < start || lo >= end)
                continue;
            var entry = Read(table, i);
            if (!entry.IsPresent || entry.IsHuge)
                continue;
            int child = (int)entry.Pfn;
            if (shift > PmdShift)
                FreeLevel(child, shift - 9, lo, start, end, floor, ceiling);
            if (lo < floor || hi >= ceiling)
                continue; // an area still uses part of what this table covers
            if (shift == PmdShift)
                MmBug.On(!IsEmpty(child), $"freeing the PTE table of 0x{lo:x} while it still has entries");
            else if (!IsEmpty(child))
                continue;
            Write(table, i, Pte.None);
            FreeTablePage(child);
            TablePages--;
        }
    }

    /// <summary>
    /// try_to_free_pte() (mm/pt_reclaim.c, CONFIG_PT_RECLAIM, 6.14): a PTE table that MADV_DONTNEED left without
    /// a single entry is freed and its PMD cleared, so that the next fault may map a THP (or the huge zero page)
    /// there again. The caller holds the mmap lock for writing (no fault fills the table meanwhile), the root
    /// anon_vma lock (rmap walks reach tables through it) and <c>TableFreeLock</c> for writing (GUP-fast).
    /// </summary>
    public bool TryFreeEmptyPteTable(PteSlot pmdSlot)
    {
        var pmd = Read(pmdSlot);
        if (!pmd.IsPresent || pmd.IsHuge)
            return false;
        int table = (int)pmd.Pfn;
        lock (_locks[(int)_memory.Map.Private[table]])
        {
            if (!IsEmpty(table))
                return false;
            lock (_populateLock)
            {
                Write(pmdSlot, Pte.None);
                TablePages--;
            }
        }
        FreeTablePage(table);
        return true;
    }

    private bool IsEmpty(int table)
    {
        var entries = Entries(table);
        foreach (ulong e in entries)
        {
            if (e != 0)
                return false;
        }
        return true;
    }

    private void FreeTablePage(int pfn)
    {
        _locks.Return((int)_memory.Map.Private[pfn]);
        _memory.Map.Private[pfn] = 0;
        _memory.ClearContents(pfn);
        PageType.Clear(_memory.Map, pfn, PageType.Table);
        _memory.PfnToPage(pfn).Folio.Put();
    }

    private static int AllocTablePage(PhysicalMemory memory, PtLockPool locks)
    {
        if (memory.AllocFolio(0, Gfp.Zero) is not { } folio)
            return -1;
        int pfn = (int)folio.Head.Pfn;
        PageType.Set(memory.Map, pfn, PageType.Table); // __SetPageTable
        memory.Map.Private[pfn] = (ulong)locks.Rent();  // ptlock_init
        memory.WritableContents(pfn);
        return pfn;
    }

    private Pte Read(int table, int index) => new(Volatile.Read(ref Entries(table)[index]));

    private void Write(int table, int index, Pte pte) => Volatile.Write(ref Entries(table)[index], pte.Raw);

    private Span<ulong> Entries(int table) => MemoryMarshal.Cast<byte, ulong>(_memory.WritableContents(table));

    private static int IndexAt(ulong address, int shift) => (int)((address >> shift) & (PtrsPerTable - 1));
}
