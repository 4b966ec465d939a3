using System;
using System.Collections.Generic;
using MmSim.PageFlags;
using MmSim.PageTables;
using MmSim.Rmap;
using MmSim.Physical;
using MmSim;
using MmSim.Swap;
using MmSim.Vm;

namespace MmSim.Diagnostics;

/// <summary>
/// Machine.CheckInvariants(): walks every page table, page cache, swap cache and GUP reference and checks
/// the design's invariants (kernel-semantics section 4) and the accounting that proves nothing leaked.
/// Meant for a quiescent machine (no operation running concurrently).
/// </summary>
internal sealed class InvariantChecker
{
    private readonly Machine _machine;
    private readonly bool _tracksExclusivity;
    private readonly Dictionary<int, int> _mapCounts = new();      // pfn -> PTEs mapping it
    private readonly Dictionary<int, long> _expectedRefs = new();  // folio head pfn -> references accounted for
    private readonly Dictionary<long, int> _swapRefs = new();      // swap slot -> swap entries naming it
    private readonly Dictionary<int, int> _pmdCounts = new();      // THP or hugetlb head pfn -> PMDs (or PUDs) mapping it
    private readonly Dictionary<(int Head, uint MmId), int> _mmMappings = new(); // THP head pfn, mm id -> its mappings
    private readonly Dictionary<int, int> _mappers = new();        // THP head pfn -> processes mapping it
    private readonly HashSet<int> _tablePages = new();

    private InvariantChecker(Machine machine)
    {
        _machine = machine;
        _tracksExclusivity = machine.Policy.TracksExclusivity;
    }

    public static void Check(Machine machine)
    {
        var checker = new InvariantChecker(machine);
        foreach (var process in machine.Processes())
            checker.CheckMm(process);
        foreach (var file in machine.Files())
            checker.AddFileCache(file);
        checker.CheckGups();
        foreach (var poisoned in machine.MemoryFailure.Poisoned)
            Add(checker._expectedRefs, (int)poisoned.Head.Pfn, 1); // memory_failure() keeps the frame
        if (machine.Swap is { } swap)
            checker.CheckSwap(swap);
        checker.CheckMemmap();
    }

    private void CheckMm(Process process)
    {
        var mm = process.Mm;
        ulong previousEnd = 0;
        foreach (var vma in mm.Vmas)
        {
            Require(vma.Start < vma.End && vma.Start >= previousEnd, $"{process}: areas overlap or are unsorted at {vma}");
            previousEnd = vma.End;
        }
        WalkTables(mm, mm.PageTable.PgdPfn, PageTable.PgdShift, 0, (address, pte) => CheckEntry(process, address, pte), (address, leaf, shift) => CheckHugeLeaf(process, address, leaf, shift));
        foreach (int deposited in mm.PageTable.DepositedTables())
        {
            Require(_tablePages.Add(deposited), $"{process}: deposited page table 0x{deposited:x} is used twice");
            Require(PageType.Is(mm.Memory.Map, deposited, PageType.Table), $"{process}: deposited page table 0x{deposited:x} is not of type PageTable");
        }
    }

    /// <summary>
    /// A huge PMD or PUD: a THP or hugetlb page mapped whole (head exclusivity for I1) or the huge zero page. Only
    /// hugetlb pages of their area's size are mapped by a PUD.
    /// </summary>
    private void CheckHugeLeaf(Process process, ulong address, Pte pmd, int shift)
    {
        var mm = process.Mm;
        var vma = mm.VmaLookup(address);
        if (!pmd.IsPresent)
        {
            // a non-present huge entry outlives no operation but memory failure of a hugetlb page (PMD migration
            // entries live only while their migration holds the folio locked)
            Require(pmd.Kind == PteKind.HwPoison && vma?.Hstate?.Shift == shift, $"{process}: huge {pmd.Kind} entry {pmd} at 0x{address:x} outside a migration or a hugetlb area");
            Require(mm.Memory.PfnToPage(pmd.EntryPfn).Test(PG.HwPoison), $"{process}: hwpoison entry at 0x{address:x} names frame 0x{pmd.EntryPfn:x}, which has no memory error");
            return;
        }
        Require(vma is not null && vma.Start <= address && address + (1UL << shift) <= vma.End, $"{process}: huge entry at 0x{address:x} is not inside one area");
        Require(shift == PageTable.PmdShift || vma!.Hstate?.Shift == shift, $"{process}: huge PUD at 0x{address:x} outside a hugetlb area of 1 GiB pages");
        if (pmd.IsSpecial)
        {
            Require(_machine.HugeZeroPageIfAllocated is { } zero && zero.Head.Pfn == pmd.Pfn && !pmd.IsWrite, $"{process}: special huge PMD at 0x{address:x} is not the R/O huge zero page");
            return;
        }
        var folio = mm.Memory.PfnToPage(pmd.Pfn).Folio;
        Require((folio.IsTransHuge || folio.IsHugetlb) && folio.Order == shift - PageTable.PageShift && folio.Head.Pfn == pmd.Pfn, $"{process}: huge entry at 0x{address:x} maps pfn 0x{pmd.Pfn:x}, not the head of a THP or hugetlb page of its size");
        Require(folio.IsHugetlb == vma!.IsHugetlb, $"{process}: huge entry at 0x{address:x}: hugetlb page {folio.IsHugetlb} in hugetlb area {vma.IsHugetlb}");
        Require(!folio.IsHugetlb || vma.Hstate!.Shift == shift, $"{process}: hugetlb entry at 0x{address:x} maps a page of another size than its area's");
        Add(_pmdCounts, (int)pmd.Pfn, 1);
        Add(_expectedRefs, (int)pmd.Pfn, 1);
        if (!folio.IsHugetlb)
        {
            AddMmMapping((int)pmd.Pfn, mm.Id);
            if (folio.IsAnon)
                CheckRmapFinds(process, vma!, address, folio.Head); // migration and splits find PMDs through the rmap too
        }
        if (pmd.IsWrite)
        {
            Require(vma!.Flags.HasFlag(VmFlags.Write), $"{process}: writable huge PMD at 0x{address:x} in {vma}");
            if (_tracksExclusivity && folio.IsAnon)
                Require(folio.Head.IsAnonExclusive, $"I1: {process}: writable huge PMD at 0x{address:x} maps an anon folio whose head is not exclusive");
        }
    }

    private void CheckEntry(Process process, ulong address, Pte pte)
    {
        var mm = process.Mm;
        var vma = mm.VmaLookup(address);
        Require(vma is not null, $"{process}: entry {pte} at 0x{address:x} outside every area");
        switch (pte.Kind)
        {
            case PteKind.Present:
                CheckPresent(process, vma!, address, pte);
                return;
            case PteKind.HwPoison:
                Require(mm.Memory.PfnToPage(pte.EntryPfn).Test(PG.HwPoison), $"{process}: hwpoison entry at 0x{address:x} names frame 0x{pte.EntryPfn:x}, which has no memory error");
                return;
            case PteKind.DevicePrivate:
                CheckDevicePrivate(process, vma!, address, pte);
                return;
            case PteKind.DeviceExclusive:
                CheckDeviceExclusive(process, address, pte);
                return;
            case PteKind.Swap:
                Add(_swapRefs, pte.SwapOffset, 1);
                if (_machine.Swap?.Peek(pte.SwapOffset) is { } cached && cached.IsAnon && SwapDevice.PageOf(cached, pte.SwapOffset) is var cachedPage)
                    Require(!_tracksExclusivity || !cachedPage.IsAnonExclusive, $"I5: {process}: the swap entry at 0x{address:x} names exclusive swapcache page pfn 0x{cachedPage.Pfn:x}");
                return;
            default:
                Require(false, $"{process}: {pte.Kind} entry at 0x{address:x}, a kind this machine never creates");
                return;
        }
    }

    private void CheckPresent(Process process, Vma vma, ulong address, Pte pte)
    {
        var mm = process.Mm;
        if (pte.IsSpecial)
        {
            Require(pte.Pfn == mm.Memory.ZeroPage.Pfn && !pte.IsWrite, $"{process}: special entry at 0x{address:x} is not a R/O zero page");
            return;
        }
        var page = mm.Memory.PfnToPage(pte.Pfn);
        Require(!page.IsBuddy && page.RefCount > 0, $"{process}: 0x{address:x} maps free frame 0x{page.Pfn:x}");
        Add(_mapCounts, (int)page.Pfn, 1);
        Add(_expectedRefs, (int)page.Folio.Head.Pfn, 1);
        if (page.Folio is { IsLarge: true, IsHugetlb: false } large)
            AddMmMapping((int)large.Head.Pfn, mm.Id);
        if (page.IsKsm)
        {
            Require(!page.IsAnonExclusive && !pte.IsWrite, $"I8: KSM page pfn 0x{page.Pfn:x} is exclusive or mapped writable");
            CheckKsmRmapFinds(process, vma, address, page);
        }
        else if (page.IsAnon)
        {
            CheckRmapFinds(process, vma, address, page);
        }
        if (page.IsAnon && pte.IsWrite)
        {
            Require(vma.Flags.HasFlag(VmFlags.Write), $"{process}: writable entry at 0x{address:x} in {vma}");
            Require(page.MapCount == 1, $"{process}: writable anonymous page at 0x{address:x} is mapped {page.MapCount} times");
            if (_tracksExclusivity)
                Require(page.IsAnonExclusive, $"I1: {process}: writable anonymous page at 0x{address:x} (pfn 0x{page.Pfn:x}) is not exclusive");
        }
        if (_tracksExclusivity && page.IsAnon && page.IsAnonExclusive)
            Require(page.MapCount == 1, $"I6: exclusive page pfn 0x{page.Pfn:x} is mapped {page.MapCount} times");
    }

    /// <summary>A device-private entry maps an anonymous page of device memory, writable only if exclusive.</summary>
    private void CheckDevicePrivate(Process process, Vma vma, ulong address, Pte pte)
    {
        var mm = process.Mm;
        var page = mm.Memory.PfnToPage(pte.EntryPfn);
        Require(mm.Memory.IsZoneDevice(page.Pfn) && page.RefCount > 0 && page.IsAnon,
            $"{process}: the device-private entry at 0x{address:x} names frame 0x{page.Pfn:x}, not an anonymous page of device memory");
        Add(_mapCounts, (int)page.Pfn, 1);
        Add(_expectedRefs, (int)page.Pfn, 1);
        if (pte.Type == SwapEntryType.DeviceWrite)
        {
            Require(vma.Flags.HasFlag(VmFlags.Write), $"{process}: writable device-private entry at 0x{address:x} in {vma}");
            if (_tracksExclusivity)
                Require(page.IsAnonExclusive, $"I1: {process}: writable device-private page at 0x{address:x} (pfn 0x{page.Pfn:x}) is not exclusive");
        }
    }

    /// <summary>A device-exclusive entry holds an exclusive anonymous page of ordinary memory.</summary>
    private void CheckDeviceExclusive(Process process, ulong address, Pte pte)
    {
        var page = process.Mm.Memory.PfnToPage(pte.EntryPfn);
        Require(!process.Mm.Memory.IsZoneDevice(page.Pfn) && page.RefCount > 0 && page.IsAnon,
            $"{process}: the device-exclusive entry at 0x{address:x} names frame 0x{page.Pfn:x}, not an anonymous page of RAM");
        Add(_mapCounts, (int)page.Pfn, 1);
        Add(_expectedRefs, (int)page.Pfn, 1);
        if (_tracksExclusivity)
            Require(page.IsAnonExclusive, $"I1: {process}: device-exclusive page at 0x{address:x} (pfn 0x{page.Pfn:x}) is not exclusive");
    }

    private delegate void EntryVisitor(ulong address, Pte pte);

    private delegate void HugeEntryVisitor(ulong address, Pte pte, int shift);

    private void WalkTables(Mm mm, int table, int shift, ulong tableBase, EntryVisitor visit, HugeEntryVisitor visitHuge)
    {
        Require(_tablePages.Add(table), $"page-table page 0x{table:x} is used twice");
        var memory = mm.Memory;
        Require(PageType.Is(memory.Map, table, PageType.Table), $"page-table page 0x{table:x} is not of type PageTable");
        var entries = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ulong>(memory.WritableContents(table));
        for (int i = 0; i < PageTable.PtrsPerTable; i++)
        {
            var entry = new Pte(entries[i]);
            if (entry.IsNone)
                continue;
            ulong address = tableBase + ((ulong)i << shift);
            if (shift == PageTable.PageShift)
                visit(address, entry);
            else if ((shift == PageTable.PmdShift || shift == PageTable.PudShift) && (entry.IsHuge || entry.IsSwapPmd))
                visitHuge(address, entry, shift);
            else
                WalkTables(mm, (int)entry.Pfn, shift - 9, address, visit, visitHuge);
        }
    }

    private void AddFileCache(SimFile file)
    {
        for (ulong index = 0; index < file.PageCount; index++)
        {
            if (file.Peek(index) is { } folio)
            {
                Require(folio.Mapping == file.Mapping && folio.Index == index, $"{file}: page {index} has mapping {folio.Mapping} index {folio.Index}");
                Add(_expectedRefs, (int)folio.Head.Pfn, 1);
            }
        }
    }

    private void CheckGups()
    {
        var policy = _machine.Policy;
        long pinned = 0;
        foreach (var gup in _machine.OutstandingGups())
        {
            foreach (var page in gup.Pages)
            {
                var folio = page.Folio;
                int refs = gup.CountsAsPins && policy.TracksPins ? (folio.IsLarge ? 1 : Gup.PinCounting.Bias) : 1;
                Add(_expectedRefs, (int)folio.Head.Pfn, refs);
                if (gup.CountsAsPins && _tracksExclusivity && page.IsAnon)
                    Require(GupGrabExtensions.IsExclusiveForPin(page), $"I2: pinned anonymous page pfn 0x{page.Pfn:x} is not exclusive");
            }
            if (gup.CountsAsPins)
                pinned += gup.Count;
        }
        long stat = _machine.Stats.PinnedPages;
        Require(pinned == stat, $"PinnedPages is {stat}, but {pinned} pinned pages are outstanding");
    }

    /// <summary>swap_map counts match the entries naming each slot; each cached folio is well formed; no slot leaks.</summary>
    private void CheckSwap(SwapDevice swap)
    {
        var swapMap = swap.SnapshotMap();
        var cache = new Dictionary<long, Folio>();
        foreach (var (offset, folio) in swap.Cached())
        {
            cache.Add(offset, folio);
            Require(folio.IsSwapCache && offset - (long)folio.Private is var index && index >= 0 && index < folio.NrPages, $"swap cache folio pfn 0x{folio.Head.Pfn:x} for slot {offset} has PG_swapcache {folio.IsSwapCache}, private {folio.Private}");
            Require((swapMap[offset] & SwapDevice.HasCache) != 0, $"swap slot {offset} caches a folio without SWAP_HAS_CACHE");
            Add(_expectedRefs, (int)folio.Head.Pfn, 1);
        }
        long used = 0;
        for (long offset = 1; offset < swapMap.Length; offset++)
        {
            int entries = _swapRefs.TryGetValue(offset, out int e) ? e : 0;
            int count = swapMap[offset] & ~SwapDevice.HasCache;
            Require(count == entries, $"swap slot {offset}: swap_map counts {count}, but {entries} entries name it");
            if (swapMap[offset] != 0)
            {
                used++;
                Require(entries > 0 || cache.ContainsKey(offset), $"leak: swap slot {offset} is in use, but no entry names it and no folio caches it");
            }
        }
        Require(used == swap.UsedSlots, $"{swap.UsedSlots} swap slots counted in use, {used} really are");
    }

    /// <summary>Every frame the page tables map by PTE has that many PTE mappings (the memmap walk covers frames no entry maps).</summary>
    private void CheckMapcounts()
    {
        foreach (var (pfn, mapped) in _mapCounts)
        {
            var page = new Page(_machine.Memory, pfn);
            Require(page.PteMapCount == mapped, $"frame 0x{pfn:x}: mapcount {page.PteMapCount}, but {mapped} entries map it");
        }
    }

    private void CheckMemmap()
    {
        var memory = _machine.Memory;
        var map = memory.Map;
        long allocated = 0;
        for (int pfn = 0; pfn < map.Frames;)
        {
            var page = new Page(memory, pfn);
            if (page.IsBuddy)
            {
                pfn += 1 << (int)map.Private[pfn];
                continue;
            }
            var folio = page.Folio;
            allocated += folio.NrPages;
            long refs = _expectedRefs.TryGetValue(pfn, out long r) ? r : 0;
            if (folio.IsHugetlb && folio.RefCount == 0)
            {
                // a free page of the hugetlb pool: no mapping, no exclusivity left over (free_huge_folio)
                Require(refs == 0 && _machine.HstateOf(folio).All.Contains(folio) && folio.Mapping.IsNull, $"free hugetlb page 0x{pfn:x} is still referenced or mapped");
                pfn += folio.NrPages;
                continue;
            }
            if (memory.IsZoneDevice(pfn) && folio.RefCount == 0)
            {
                // a free page of device memory, back with its driver (free_zone_device_folio)
                Require(refs == 0 && folio.Mapping.IsNull && !page.Test(PG.MappedToDisk), $"free device page 0x{pfn:x} is still referenced, mapped or exclusive");
                pfn++;
                continue;
            }
            if (page.IsZeroPage || (_machine.HugeZeroPageIfAllocated is { } hugeZero && hugeZero.Head.Pfn == pfn))
            {
                Require(folio.RefCount == 1 + refs, $"zero page 0x{pfn:x} refcount {folio.RefCount}, expected {1 + refs}");
            }
            else if (_tablePages.Contains(pfn))
            {
                Require(folio.RefCount == 1, $"page-table page 0x{pfn:x} has refcount {folio.RefCount}");
            }
            else
            {
                Require(refs > 0, $"leak: frame 0x{pfn:x} is allocated (refcount {folio.RefCount}) but nothing maps, caches or references it{Environment.NewLine}{PageDump.Format(page, "leaked")}");
                Require(folio.RefCount == refs, $"frame 0x{pfn:x}: refcount {folio.RefCount}, but {refs} references are accounted for{Environment.NewLine}{PageDump.Format(page, "refcount mismatch")}");
                Require(folio.IsHugetlb || !folio.Head.IsAnon || folio.Head.Test(PG.SwapBacked), $"anonymous frame 0x{pfn:x} is not PG_swapbacked");
                int pmds = _pmdCounts.TryGetValue(pfn, out int p) ? p : 0;
                Require(folio.EntireMapcount == pmds, $"THP 0x{pfn:x}: compound_mapcount {folio.EntireMapcount}, but {pmds} PMDs map it");
                Require(!folio.IsLarge || folio.Pincount <= folio.RefCount, $"folio 0x{pfn:x}: pincount {folio.Pincount} above refcount {folio.RefCount}");
                int pteMappings = 0;
                bool anonExclusivity = folio.IsAnon && !folio.IsKsm && _tracksExclusivity;
                int flagged = folio.IsHugetlb ? 1 : folio.NrPages; // hugetlb keeps the flag on the head only
                for (int i = 0, nr = folio.NrPages; i < nr; i++)
                {
                    var sub = folio.Page(i);
                    int mapped = sub.PteMapCount; // equal to the entries that map it: CheckMapcounts
                    pteMappings += mapped;
                    if (mapped != 0)
                        Require(_mapCounts.ContainsKey((int)sub.Pfn), $"frame 0x{sub.Pfn:x}: mapcount {mapped}, but no entry maps it");
                    if (anonExclusivity && i < flagged && sub.IsAnonExclusive)
                        Require(mapped + pmds <= 1, $"I6: exclusive frame 0x{sub.Pfn:x} is mapped {mapped + pmds} times");
                }
                Require(!folio.IsLarge || folio.PteMapcount == pteMappings, $"folio 0x{pfn:x}: large mapcount {folio.PteMapcount}, but its pages have {pteMappings} PTE mappings");
                if (folio.IsLarge && !folio.IsHugetlb)
                    CheckMmIds(folio);
            }
            pfn += folio.NrPages;
        }
        Require(allocated + memory.FreePages == memory.TotalPages, $"{allocated} allocated + {memory.FreePages} free frames != {memory.TotalPages}");
        CheckMapcounts();
    }

    /// <summary>
    /// An rmap walk from the page must find this mapping (rmap_walk_anon: the page's anon_vma lists the area, and
    /// the page's index puts it at this address): migration, reclaim and KSM find mappings only that way.
    /// </summary>
    private static void CheckRmapFinds(Process process, Vma vma, ulong address, Page page)
    {
        var folio = page.Folio;
        ulong index = folio.Index + (ulong)(page.Pfn - folio.Head.Pfn);
        bool listed = page.Memory.Mappings.Resolve<AnonVma>(folio.Mapping.ObjectId) is { } anonVma && anonVma.Vmas.Contains(vma);
        Require(listed && vma.TryAddressOf(index, out ulong at) && at == address,
            $"{process}: the anon page pfn 0x{page.Pfn:x} at 0x{address:x} (index {index}) cannot be found from its rmap (anon_vma lists the area: {listed})");
    }

    /// <summary>rmap_walk_ksm() must find this mapping of a KSM page: one of its stable node's rmap_items names it.</summary>
    private static void CheckKsmRmapFinds(Process process, Vma vma, ulong address, Page page)
    {
        bool found = false;
        RmapWalk.KsmAddresses(page, (candidate, at) => found |= candidate == vma && at == address);
        Require(found, $"{process}: the KSM page pfn 0x{page.Pfn:x} at 0x{address:x} is on no rmap_item of its stable node");
    }

    /// <summary>
    /// CONFIG_MM_ID: a slot never claims more mappings than its mm has, an empty slot has mapcount -1, and a folio
    /// that two processes map is never reported as mapped exclusively (the "maybe mapped shared" bit may err only
    /// towards shared).
    /// </summary>
    private void CheckMmIds(Folio folio)
    {
        int head = (int)folio.Head.Pfn;
        int mappers = _mappers.TryGetValue(head, out int m) ? m : 0;
        for (int slot = 0; slot < 2; slot++)
        {
            var (mmId, mapcount) = LargeMapcount.Slot(folio, slot);
            int mapped = _mmMappings.TryGetValue((head, mmId), out int n) ? n : 0;
            Require(mmId == LargeMapcount.DummyMmId ? mapcount == -1 : mapcount >= 0 && mapcount + 1 <= mapped,
                $"THP 0x{head:x}: mm id slot {slot} is mm {mmId} with mapcount {mapcount} (-1 based), but that mm maps it {mapped} times");
        }
        Require(mappers < 2 || FolioSharing.MaybeMappedShared(folio), $"THP 0x{head:x}: {mappers} processes map it, but folio_maybe_mapped_shared() says no");
        Require(FolioSharing.Mapped(folio) || !LargeMapcount.MaybeMappedSharedBit(folio), $"THP 0x{head:x}: not mapped, but its maybe-mapped-shared bit is set");
    }

    private void AddMmMapping(int head, uint mmId)
    {
        if (!_mmMappings.ContainsKey((head, mmId)))
            Add(_mappers, head, 1);
        Add(_mmMappings, (head, mmId), 1);
    }

    private static void Add<TKey, TValue>(Dictionary<TKey, TValue> counts, TKey key, TValue amount)
        where TKey : notnull
        where TValue : struct, System.Numerics.INumber<TValue> =>
        counts[key] = (counts.TryGetValue(key, out var value) ? value : TValue.Zero) + amount;

    private static void Require(bool condition, string message)
    {
        if (!condition)
            throw new MmInvariantException(message);
    }
}
