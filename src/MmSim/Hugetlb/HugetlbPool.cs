using System.Collections.Generic;
using MmSim.PageFlags;
using MmSim.Physical;
using MmSim.Thp;

namespace MmSim.Hugetlb;

/// <summary>
/// The pool of one hugetlb page size (mm/hugetlb.c, struct hstate): 2 MiB pages mapped by a PMD, or 1 GiB
/// "gigantic" pages mapped by a PUD, set aside at boot, handed out by faults, and given back by
/// free_huge_folio() instead of going to the buddy allocator. Reservations (hugetlb_reserve_pages) made at
/// mmap time guarantee the faults of the area that made them.
/// </summary>
internal sealed class HugetlbPool
{
    private readonly List<Folio> _free = new(); // the free list, most recently freed last
    private readonly PhysicalMemory _memory;

    /// <param name="memory">The RAM the pages come from.</param>
    /// <param name="bytes">The pool's size; whole pages only, the rest is ignored (hugepages=N).</param>
    /// <param name="shift">huge_page_shift(): 21 for 2 MiB pages, 30 for 1 GiB pages.</param>
    public HugetlbPool(PhysicalMemory memory, long bytes, int shift)
    {
        _memory = memory;
        Shift = shift;
        int pages = (int)(bytes >> shift);
        for (int i = 0; i < pages; i++)
        {
            // htlb_alloc_mask(): pages that can migrate (hugepage_movable_supported(), not gigantic ones) prefer ZONE_MOVABLE
            var folio = (IsGigantic ? memory.AllocGiganticFolio(Order, CompoundDtor.Hugetlb) : memory.AllocFolio(Order, Gfp.Movable, CompoundDtor.Hugetlb))
                ?? throw new MmException(Errno.ENOMEM, $"cannot set aside {pages} hugetlb pages of {SizeName}: RAM has only {i} free, aligned {SizeName} ranges");
            memory.Map.RefCount[folio.Head.Index] = 0; // a free hugetlb page: refcount 0, on the pool's free list
            _free.Add(folio);
            All.Add(folio);
        }
        Total = pages;
    }

    /// <summary>huge_page_shift().</summary>
    public int Shift { get; }

    /// <summary>huge_page_order(): 9 or 18.</summary>
    public int Order => Shift - PageTables.PageTable.PageShift;

    /// <summary>huge_page_size() in bytes.</summary>
    public ulong Size => 1UL << Shift;

    /// <summary>pages_per_huge_page().</summary>
    public int NrPages => 1 << Order;

    /// <summary>hstate_is_gigantic(): larger than the buddy allocator's largest block.</summary>
    public bool IsGigantic => Order > PhysicalMemory.MaxAllocOrder;

    /// <summary>"2 MiB" or "1 GiB", for messages.</summary>
    public string SizeName => Shift >= 30 ? $"{Size >> 30} GiB" : $"{Size >> 20} MiB";

    /// <summary>Every page of the pool (for checks).</summary>
    public List<Folio> All { get; } = new();

    /// <summary>HugePages_Total.</summary>
    public int Total { get; private set; }

    /// <summary>HugePages_Free.</summary>
    public int FreeCount
    {
        get
        {
            lock (_free)
                return _free.Count;
        }
    }

    /// <summary>HugePages_Rsvd: reserved, not yet faulted in.</summary>
    public int Reserved { get; private set; }

    /// <summary>hugetlb_reserve_pages(): false (ENOMEM) if the free pages cannot cover the reservation.</summary>
    public bool Reserve(int pages)
    {
        lock (_free)
        {
            if (_free.Count - Reserved < pages)
                return false;
            Reserved += pages;
            return true;
        }
    }

    /// <summary>hugetlb_unreserve_pages(): gives back reservations that were never used.</summary>
    public void Unreserve(int pages)
    {
        lock (_free)
            Reserved -= pages;
    }

    /// <summary>
    /// alloc_hugetlb_folio(): a zeroed page with refcount 1, from a reservation or from the unreserved
    /// free pages; null when there is none. Without <paramref name="movable"/> (alloc_hugetlb_folio_nodemask() for a
    /// long-term pin's migration) only a page outside ZONE_MOVABLE will do, as the zonelist of a gfp mask without
    /// __GFP_MOVABLE allows.
    /// </summary>
    public Folio? Alloc(bool useReservation, bool movable = true)
    {
        if (!useReservation && _memory.FailPageAlloc.ShouldFail())
        {
            return null;
        }
        Folio folio;
        lock (_free)
        {
            if (!useReservation && _free.Count - Reserved <= 0)
                return null;
            int at = _free.FindLastIndex(free => movable || !_memory.IsZoneMovable(free.Head.Pfn));
            if (at < 0)
                return null;
            if (useReservation)
                Reserved--;
            folio = _free[at];
            _free.RemoveAt(at);
        }
        folio.Memory.Map.RefCount[folio.Head.Index] = 1;
        for (int pfn = folio.Head.Index, end = pfn + folio.NrPages; pfn < end; pfn++)
            folio.Memory.ClearContents(pfn); // clear_huge_page()
        return folio;
    }

    /// <summary>
    /// A page with a memory error leaves the pool (memory_failure() dissolves it once its last user is gone; its
    /// users' entries are hwpoison entries by then).
    /// </summary>
    public void RemovePoisoned(Folio folio)
    {
        lock (_free)
        {
            if (All.Remove(folio))
                Total--;
        }
    }

    /// <summary>free_huge_folio(): the anon bit and the mapping are cleared explicitly, then the page is free again.</summary>
    public void Free(Folio folio)
    {
        if (folio.IsAnon)
            folio.Head.ClearAnonExclusiveForFree();
        var map = folio.Memory.Map;
        map.Mapping[folio.Head.Index] = 0;
        map.Index[folio.Head.Index] = 0;
        map.Flags[folio.Head.Index] &= ~(PageFlagBit.SwapBacked.Mask() | PageFlagBit.Dirty.Mask() | PageFlagBit.Uptodate.Mask());
        lock (_free)
            _free.Add(folio);
    }
}
