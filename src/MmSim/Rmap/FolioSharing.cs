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

    private static bool MapsAnyPage(Vma vma, Folio folio)
    {
        var pageTable = vma.Mm.PageTable;
        for (int i = 0; i < folio.NrPages; i++)
        {
            if (!vma.TryAddressOf(folio.Index + (ulong)i, out ulong address))
                continue;
            if (pageTable.TryGetLeaf(address, out var slot, out bool huge) && pageTable.Read(slot) is { Kind: PteKind.Present, IsSpecial: false } entry
                && PageTable.LeafPfn(entry, huge, address) == folio.Head.Pfn + i)
                return true;
        }
        return false;
    }
}
