using System.Collections.Generic;
using MmSim.PageFlags;

namespace MmSim.Physical;

/// <summary>
/// The anonymous LRU list of the node (lruvec, mm/swap.c and mm/vmscan.c), linked through the head
/// pages' page-&gt;lru. New anonymous folios join at the young end (folio_add_lru); reclaim takes
/// from the old end. A folio on the list has PG_lru; __folio_put takes it off before the free.
/// </summary>
internal sealed class Lru
{
    private const int Nil = -1;
    private readonly PhysicalMemory _memory;
    private int _oldest = Nil;
    private int _youngest = Nil;

    public Lru(PhysicalMemory memory)
    {
        _memory = memory;
    }

    /// <summary>lruvec-&gt;lru_lock.</summary>
    public object Lock { get; } = new();

    public int Count { get; private set; }

    /// <summary>folio_add_lru().</summary>
    public void Add(Folio folio)
    {
        var map = _memory.Map;
        int pfn = folio.Head.Index;
        lock (Lock)
        {
            if (folio.Head.TestAndSet(PG.Lru))
                return;
            map.LruPrev[pfn] = _youngest;
            map.LruNext[pfn] = Nil;
            if (_youngest != Nil)
                map.LruNext[_youngest] = pfn;
            else
                _oldest = pfn;
            _youngest = pfn;
            Count++;
        }
    }

    /// <summary>lruvec_del_folio(): off the list, PG_lru cleared.</summary>
    public void Remove(Folio folio)
    {
        var map = _memory.Map;
        int pfn = folio.Head.Index;
        lock (Lock)
        {
            if (!folio.Head.TestAndClear(PG.Lru))
                return;
            int prev = map.LruPrev[pfn], next = map.LruNext[pfn];
            if (prev != Nil)
                map.LruNext[prev] = next;
            else
                _oldest = next;
            if (next != Nil)
                map.LruPrev[next] = prev;
            else
                _youngest = prev;
            map.LruNext[pfn] = 0;
            map.LruPrev[pfn] = 0;
            Count--;
        }
    }

    /// <summary>
    /// isolate_lru_folios(): up to <paramref name="count"/> of the oldest folios, each with a reference
    /// taken for the caller (folio_try_get: a folio being freed is skipped).
    /// </summary>
    public List<Folio> IsolateOldest(int count)
    {
        var taken = new List<Folio>();
        lock (Lock)
        {
            for (int pfn = _oldest; pfn != Nil && taken.Count < count; pfn = _memory.Map.LruNext[pfn])
            {
                var folio = _memory.PfnToPage(pfn).Folio;
                if (folio.TryRefAdd(1))
                    taken.Add(folio);
            }
        }
        return taken;
    }
}
