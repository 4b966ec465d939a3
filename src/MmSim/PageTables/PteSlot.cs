namespace MmSim.PageTables;

/// <summary>Where one PTE lives: a page-table page and the entry's index in it (pte_offset_map).</summary>
internal readonly record struct PteSlot(int TablePfn, int Index);
