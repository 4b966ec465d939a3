using System;
using System.Collections.Generic;
using MmSim.Faults;
using MmSim.PageFlags;
using MmSim.PageTables;
using MmSim.Physical;
using MmSim.Vm;

namespace MmSim.Diagnostics;

/// <summary>
/// Machine.CheckInvariants(): walks every page table, page cache and GUP reference and checks the
/// design's invariants (kernel-semantics section 4) and the accounting that proves nothing leaked.
/// Meant for a quiescent machine (no operation running concurrently).
/// </summary>
internal static class InvariantChecker
{
    public static void Check(Machine machine)
    {
        var memory = machine.Memory;
        var policy = machine.Policy;
        var mapCounts = new Dictionary<int, int>();     // pfn -> PTEs mapping it
        var expectedRefs = new Dictionary<int, long>(); // folio head pfn -> references we can explain
        var tablePages = new HashSet<int>();

        foreach (var process in machine.Processes())
            CheckMm(process, mapCounts, expectedRefs, tablePages, policy.TracksExclusivity);

        foreach (var file in machine.Files())
            AddFileCache(file, expectedRefs);

        long pinned = 0;
        foreach (var gup in machine.OutstandingGups())
        {
            foreach (var page in gup.Pages)
            {
                var folio = page.Folio;
                int refs = gup.CountsAsPins && policy.TracksPins ? (folio.IsLarge ? 1 : Gup.PinCounting.Bias) : 1;
                Add(expectedRefs, (int)folio.Head.Pfn, refs);
                if (gup.CountsAsPins && policy.TracksExclusivity && page.IsAnon)
                    Require(page.IsAnonExclusive, $"I2: pinned anonymous page pfn 0x{page.Pfn:x} is not exclusive");
            }
            if (gup.CountsAsPins)
                pinned += gup.Count;
        }
        Require(pinned == machine.Stats.PinnedPages, $"PinnedPages is {machine.Stats.PinnedPages}, but {pinned} pinned pages are outstanding");

        CheckMemmap(memory, mapCounts, expectedRefs, tablePages, policy.TracksExclusivity);
    }

    private static void CheckMm(Process process, Dictionary<int, int> mapCounts, Dictionary<int, long> expectedRefs, HashSet<int> tablePages, bool tracksExclusivity)
    {
        var mm = process.Mm;
        ulong previousEnd = 0;
        foreach (var vma in mm.Vmas)
        {
            Require(vma.Start < vma.End && vma.Start >= previousEnd, $"{process}: areas overlap or are unsorted at {vma}");
            previousEnd = vma.End;
        }
        WalkTables(mm, mm.PageTable.PgdPfn, PageTable.PgdShift, 0, tablePages, (address, pte) =>
        {
            var vma = mm.VmaLookup(address);
            Require(vma is not null, $"{process}: entry {pte} at 0x{address:x} outside every area");
            if (pte.Kind != PteKind.Present)
                return;
            if (pte.IsSpecial)
            {
                Require(pte.Pfn == mm.Memory.ZeroPage.Pfn && !pte.IsWrite, $"{process}: special entry at 0x{address:x} is not a R/O zero page");
                return;
            }
            var page = mm.Memory.PfnToPage(pte.Pfn);
            Require(!page.IsBuddy && page.RefCount > 0, $"{process}: 0x{address:x} maps free frame 0x{page.Pfn:x}");
            Add(mapCounts, (int)page.Pfn, 1);
            Add(expectedRefs, (int)page.Folio.Head.Pfn, 1);
            if (page.IsAnon && pte.IsWrite)
            {
                Require(vma!.Flags.HasFlag(VmFlags.Write), $"{process}: writable entry at 0x{address:x} in {vma}");
                Require(page.MapCount == 1, $"{process}: writable anonymous page at 0x{address:x} is mapped {page.MapCount} times");
                if (tracksExclusivity)
                    Require(page.IsAnonExclusive, $"I1: {process}: writable anonymous page at 0x{address:x} (pfn 0x{page.Pfn:x}) is not exclusive");
            }
            if (page.IsKsm)
                Require(!page.IsAnonExclusive && !pte.IsWrite, $"I8: KSM page pfn 0x{page.Pfn:x} is exclusive or mapped writable");
            if (tracksExclusivity && page.IsAnon && page.IsAnonExclusive)
                Require(page.MapCount == 1, $"I6: exclusive page pfn 0x{page.Pfn:x} is mapped {page.MapCount} times");
        });
    }

    private delegate void EntryVisitor(ulong address, Pte pte);

    private static void WalkTables(Mm mm, int table, int shift, ulong tableBase, HashSet<int> tablePages, EntryVisitor visit)
    {
        Require(tablePages.Add(table), $"page-table page 0x{table:x} is used twice");
        var memory = mm.Memory;
        Require(PageType.Is(memory.Map, table, PageType.Table), $"page-table page 0x{table:x} is not of type PageTable");
        var entries = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ulong>(memory.WritableContents(table).AsSpan());
        for (int i = 0; i < PageTable.PtrsPerTable; i++)
        {
            var entry = new Pte(entries[i]);
            if (entry.IsNone)
                continue;
            ulong address = tableBase + ((ulong)i << shift);
            if (shift == PageTable.PageShift)
                visit(address, entry);
            else
                WalkTables(mm, (int)entry.Pfn, shift - 9, address, tablePages, visit);
        }
    }

    private static void AddFileCache(SimFile file, Dictionary<int, long> expectedRefs)
    {
        for (ulong index = 0; index < file.PageCount; index++)
        {
            if (file.Peek(index) is { } folio)
            {
                Require(folio.Mapping == file.Mapping && folio.Index == index, $"{file}: page {index} has mapping {folio.Mapping} index {folio.Index}");
                Add(expectedRefs, (int)folio.Head.Pfn, 1);
            }
        }
    }

    private static void CheckMemmap(PhysicalMemory memory, Dictionary<int, int> mapCounts, Dictionary<int, long> expectedRefs, HashSet<int> tablePages, bool tracksExclusivity)
    {
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
            if (page.IsZeroPage)
            {
                long zeroRefs = 1 + (expectedRefs.TryGetValue(pfn, out long z) ? z : 0);
                Require(folio.RefCount == zeroRefs, $"zero page refcount {folio.RefCount}, expected {zeroRefs}");
            }
            else if (tablePages.Contains(pfn))
            {
                Require(folio.RefCount == 1, $"page-table page 0x{pfn:x} has refcount {folio.RefCount}");
            }
            else
            {
                long refs = expectedRefs.TryGetValue(pfn, out long r) ? r : 0;
                Require(refs > 0, $"leak: frame 0x{pfn:x} is allocated (refcount {folio.RefCount}) but nothing maps, caches or references it{System.Environment.NewLine}{PageDump.Format(page, "leaked")}");
                Require(folio.RefCount == refs, $"frame 0x{pfn:x}: refcount {folio.RefCount}, but {refs} references are accounted for{System.Environment.NewLine}{PageDump.Format(page, "refcount mismatch")}");
                for (int i = 0; i < folio.NrPages; i++)
                {
                    var sub = folio.Page(i);
                    int mapped = mapCounts.TryGetValue((int)sub.Pfn, out int m) ? m : 0;
                    Require(sub.MapCount == mapped, $"frame 0x{sub.Pfn:x}: mapcount {sub.MapCount}, but {mapped} entries map it");
                    if (sub.IsAnon && !sub.IsKsm && tracksExclusivity && sub.IsAnonExclusive)
                        Require(mapped <= 1, $"I6: exclusive frame 0x{sub.Pfn:x} is mapped {mapped} times");
                }
            }
            pfn += folio.NrPages;
        }
        Require(allocated + memory.FreePages == memory.TotalPages,
            $"{allocated} allocated + {memory.FreePages} free frames != {memory.TotalPages}");
    }

    private static void Add<TValue>(Dictionary<int, TValue> counts, int key, TValue amount)
        where TValue : struct, System.Numerics.INumber<TValue> =>
        counts[key] = (counts.TryGetValue(key, out var value) ? value : TValue.Zero) + amount;

    private static void Require(bool condition, string message)
    {
        if (!condition)
            throw new MmInvariantException(message);
    }
}
