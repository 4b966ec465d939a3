using System.Collections.Generic;
using MmSim.PageFlags;
using MmSim.PageTables;
using MmSim.Rmap;
using MmSim.Vm;

namespace MmSim.MemoryFailure;

/// <summary>
/// memory_failure() (mm/memory-failure.c) for MADV_HWPOISON: the frame gets PG_hwpoison and is taken out of
/// use for good (the failure handling keeps a reference); every entry that mapped it becomes an hwpoison
/// entry, on which accesses get SIGBUS and GUP -EHWPOISON. The page's PG_anon_exclusive is left stale and
/// untouched, as the seed patch says of hwpoison entries. A THP is split first and its bad page handled alone;
/// one that cannot be split keeps PG_has_hwpoisoned on its second page and stays mapped (MF_MSG_UNSPLIT_THP),
/// which is -EHWPOISON since 6.13 (the kernel then kills the processes that map it; here they live on).
/// </summary>
internal sealed class MemoryFailureHandler
{
    private readonly List<Folio> _poisoned = new();

    /// <summary>Frames taken out of use, each held by one reference (for checks).</summary>
    public IReadOnlyList<Folio> Poisoned
    {
        get
        {
            lock (_poisoned)
                return _poisoned.ToArray();
        }
    }

    /// <summary>memory_failure(pfn); null on success, else the errno.</summary>
    public Errno? Poison(Machine machine, Page page)
    {
        var folio = page.Folio;
        if (page.Test(PG.HwPoison))
            return null; // already handled
        if (folio.IsHugetlb && folio.IsAnon)
            return PoisonHugetlb(machine, folio, page);
        if (folio.IsLarge)
        {
            if (!TrySplitThp(machine, folio))
            {
                // MF_MSG_UNSPLIT_THP: the THP stays mapped, marked; the kernel also kills the processes that map it (kill_procs_now)
                page.Set(PG.HwPoison);
                return Errno.EHWPOISON;
            }
            folio = page.Folio; // an order-0 folio now
        }
        if (!folio.TryRefAdd(1))
            return Errno.EBUSY; // freed meanwhile
        page.Set(PG.HwPoison);
        folio.Lock();
        try
        {
            if (folio.IsAnon && !folio.IsKsm)
                RmapWalk.Anon(page, (vma, address, slot, pte) => UnmapOne(vma, slot, page));
        }
        finally
        {
            folio.Unlock();
        }
        lock (_poisoned)
            _poisoned.Add(folio);
        return null;
    }

    /// <summary>
    /// try_to_split_thp_page(): PG_has_hwpoisoned on the second page first (folio_set_has_hwpoisoned), then a split
    /// to order-0 with a reference of our own, which clears it again. False if the folio cannot be split (pinned,
    /// referenced by GUP, in the swap cache, a KSM or hugetlb folio) or is gone.
    /// </summary>
    private static bool TrySplitThp(Machine machine, Folio folio)
    {
        if (!folio.TryRefAdd(1))
            return false;
        if (folio.IsTransHuge)
            folio.Head.Set(PG.HasHwPoisoned);
        bool split = Thp.FolioSplit.TryLockAndSplit(machine, folio);
        folio.Put(); // the head's small folio after a split
        return split;
    }

    /// <summary>
    /// try_memory_failure_hugetlb() for an anonymous hugetlb page: the page is marked (folio_set_hugetlb_hwpoison),
    /// every huge entry that mapped it becomes an hwpoison entry of its size naming the bad subpage
    /// (try_to_unmap_one() with TTU_HWPOISON), so that an access gets SIGBUS (VM_FAULT_HWPOISON_LARGE), and the page
    /// leaves its pool for good: HugePages_Total drops by one. The kernel then dissolves it and gives its healthy
    /// subpages to the buddy allocator; here the handler keeps the whole page. A page someone else still references (a
    /// pin) is unmapped all the same, but the result is EBUSY. A hugetlbfs page is only marked and stays mapped, as an
    /// unsplittable THP does (EHWPOISON): the simulator has no file rmap to find its mappings with.
    /// </summary>
    private Errno? PoisonHugetlb(Machine machine, Folio folio, Page page)
    {
        if (folio.Head.Test(PG.HwPoison))
        {
            page.Set(PG.HwPoison);
            return null; // another subpage failed before: the page is out of use already
        }
        if (!folio.TryRefAdd(1))
            return Errno.EBUSY; // freed meanwhile
        folio.Head.Set(PG.HwPoison);
        page.Set(PG.HwPoison);
        folio.Lock();
        try
        {
            Hugetlb.HugetlbRmap.Walk(folio, (vma, slot) =>
            {
                var entry = vma.Mm.PageTable.Read(slot);
                if (entry.IsPresent && entry.Pfn == folio.Head.Pfn)
                {
                    vma.Mm.PageTable.Write(slot, Pte.NonPresent(SwapEntryType.HwPoison, page.Pfn));
                    AnonRmap.PageRemoveRmapPmd(folio, vma); // hugetlb_remove_rmap()
                    folio.Put();
                }
                return true;
            });
        }
        finally
        {
            folio.Unlock();
        }
        machine.HstateOf(folio).RemovePoisoned(folio);
        lock (_poisoned)
            _poisoned.Add(folio);
        return folio.RefCount > 1 ? Errno.EBUSY : null; // me_huge_page(): has_extra_refcount() (a pin) makes it MF_FAILED
    }

    /// <summary>try_to_unmap_one() with TTU_HWPOISON: the entry becomes an hwpoison entry naming the frame.</summary>
    private static bool UnmapOne(Vma vma, PteSlot slot, Page page)
    {
        vma.Mm.PageTable.Write(slot, Pte.NonPresent(SwapEntryType.HwPoison, page.Pfn));
        AnonRmap.PageRemoveRmap(page, vma);
        page.Folio.Put();
        return true;
    }
}
