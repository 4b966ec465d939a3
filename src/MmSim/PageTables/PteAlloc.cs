namespace MmSim.PageTables;

/// <summary>The outcome of allocating the PTE table of an address for a fault.</summary>
internal enum PteAlloc
{
    Ok,
    /// <summary>No memory for a page table.</summary>
    NoMemory,
    /// <summary>A huge PMD maps the address: there is no PTE table.</summary>
    Huge,
}
