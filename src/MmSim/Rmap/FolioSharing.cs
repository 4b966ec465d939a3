using MmSim.PageFlags;
using MmSim.PageTables;
using MmSim.Vm;

namespace MmSim.Rmap;

/// <summary>
/// folio_maybe_mapped_shared() (include/linux/mm.h, 6.15 and later): whether more than one process maps a
/// folio. The kernel tracks the mm ids of a large folio's mappers (CONFIG_MM_ID); the simulator asks the rmap.
/// </summary>
internal static class FolioSharing
{
    public static bool MaybeMappedShared(Folio folio)
    {
        if (!folio.IsLarge)
            return folio.Head.MapCount > 1;
        if (folio.Head.Memory.Mappings.Resolve<AnonVma>(folio.Mapping.ObjectId) is not { } anonVma)
            return false;
        Mm? owner = null;
        lock (anonVma.Root)
        {
            foreach (var vma in anonVma.Vmas.ToArray())
            {
                if (!MapsAnyPage(vma, folio))
                    continue;
                if (owner is not null && owner != vma.Mm)
                    return true;
                owner = vma.Mm;
            }
        }
        return false;
    }

    /// <summary>folio_mapped(): does any entry map a page of the folio?</summary>
    public static bool Mapped(Folio folio) => folio.IsLarge ? LargeMapcount(folio) > 0 : folio.Head.MapCount > 0;

    /// <summary>folio_large_mapcount(): PMD mappings plus the PTE mappings of every page.</summary>
    public static int LargeMapcount(Folio folio) => folio.EntireMapcount + folio.PteMapcount;

    /// <summary>
    /// Whether <paramref name="vma"/> maps any page of the folio. The page-table walk is done once per PMD-sized
    /// region: a THP's pages share one PTE table (or one PMD), and walking from the top for each of its 512
    /// pages made a COW fault on a PTE-mapped THP cost some 40 µs.
    /// </summary>
    private static bool MapsAnyPage(Vma vma, Folio folio)
    {
        var pageTable = vma.Mm.PageTable;
        ulong region = ulong.MaxValue;
        PteSlot leaf = default;
        bool found = false, huge = false;
        for (int i = 0; i < folio.NrPages; i++)
        {
            if (!vma.TryAddressOf(folio.Index + (ulong)i, out ulong address))
                continue;
            if ((address & ~(PageTable.PmdSize - 1)) != region)
            {
                region = address & ~(PageTable.PmdSize - 1);
                found = pageTable.TryGetLeaf(address, out leaf, out huge);
            }
            if (!found)
                continue;
            var slot = huge ? leaf : leaf with { Index = (int)((address >> PageTable.PageShift) & (PageTable.PtrsPerTable - 1)) };
            if (pageTable.Read(slot) is { Kind: PteKind.Present, IsSpecial: false } entry && PageTable.LeafPfn(entry, huge, address) == folio.Head.Pfn + i)
                return true;
        }
        return false;
    }
}
