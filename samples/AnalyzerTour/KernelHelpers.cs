using MmSim.Contracts;
using MmSim.PageFlags;

namespace AnalyzerTour;

/// <summary>
/// Helpers a user writes around the runtime, marked with the contracts the rules learn from
/// (follow_page + try_grab_folio, unpin_user_page, put_page, pte_mkwrite, an unshare fault).
/// Their bodies are stand-ins: the tour is about the call sites.
/// </summary>
public static class Gup
{
    [Pins] public static Page PinPage(Page page) => page;
    [Unpins] public static void UnpinPage(Page page) { }
    [GetsReference] public static Page GetPage(Page page) => page;
    [PutsReference] public static void PutPage(Page page) { }
    [SetsAnonExclusive] public static void Unshare(Page page) { }
}

public static class Pgtable
{
    [GrantsWrite] public static void MkWrite(Page page) { }
}

/// <summary>pte_offset_map_lock / pte_unmap_unlock for one page table.</summary>
public sealed class PageTableLocks
{
    private readonly object _ptl = new();
    [AcquiresPageTableLock] public void Lock() => System.Threading.Monitor.Enter(_ptl);
    [ReleasesPageTableLock] public void Unlock() => System.Threading.Monitor.Exit(_ptl);
}
