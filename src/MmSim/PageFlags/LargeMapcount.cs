using System.Threading;
using MmSim.Diagnostics;
using MmSim.Physical;

namespace MmSim.PageFlags;

/// <summary>
/// folio_add_large_mapcount() / folio_sub_large_mapcount() with CONFIG_MM_ID (include/linux/rmap.h, 6.15): every
/// mapping of a large folio, by a PTE or a PMD, is charged to the mm that maps it. The folio remembers up to two
/// mms (_mm_id[2]) with a mapcount each (_mm_id_mapcount[2], -1 based) and a "maybe mapped shared" bit: set when a
/// second mm maps the folio, cleared only once one slot owns every mapping again. A third mm finds no slot; the
/// bit then stays set until one slot owns every mapping, which may never happen. folio_maybe_mapped_shared()
/// answers from the bit in O(1) instead of walking the rmap. Hugetlb folios are not tracked.
/// <para>
/// The kernel keeps these fields on page[1]; the simulator's page[1] already holds compound_mapcount and
/// compound_pincount, so they live on page[2] and page[3] of an order &gt;= 2 folio: _mm_ids in page[2].private
/// (two 31-bit ids, bit 31 the bit spinlock, bit 63 the shared bit: the kernel's 64-bit layout),
/// _mm_id_mapcount[0] in page[2].lru.prev and _mm_id_mapcount[1] in page[3].lru.next.
/// </para>
/// </summary>
internal static class LargeMapcount
{
    /// <summary>MM_ID_DUMMY: no mm.</summary>
    public const uint DummyMmId = 0;

    /// <summary>MM_ID_MIN.</summary>
    public const uint MinMmId = 1;

    private const int MmIdBits = 31;
    private const ulong MmIdMask = (1UL << MmIdBits) - 1;
    private const ulong LockBit = 1UL << MmIdBits;             // FOLIO_MM_IDS_LOCK_BIT
    private const ulong SharedBit = 1UL << (2 * MmIdBits + 1); // FOLIO_MM_IDS_SHARED_BIT

    /// <summary>prep_compound_head(): no mm, both slot mapcounts -1, not shared.</summary>
    public static void Init(Memmap map, int head)
    {
        map.Private[head + 2] = 0;
        map.LruPrev[head + 2] = -1;
        map.LruNext[head + 3] = -1;
    }

    /// <summary>free_tail_page_prepare(): a folio freed with a slot still owning mappings is a bad page.</summary>
    public static string? BadReason(Memmap map, int head) =>
        map.LruPrev[head + 2] != -1 ? "nonzero mm mapcount 0"
        : map.LruNext[head + 3] != -1 ? "nonzero mm mapcount 1"
        : null;

    /// <summary>folio_add_large_mapcount(): <paramref name="diff"/> more mappings by the mm <paramref name="mmId"/>.</summary>
    public static void Add(Folio folio, int diff, uint mmId, bool entire)
    {
        var map = folio.Memory.Map;
        int head = folio.Head.Index;
        SanityChecks(folio, diff, mmId);
        ref ulong ids = ref Lock(map, head);
        int newMapcountVal = AddCounter(map, head, diff, entire) - 1;
        ulong value = ids;
        if (MmId(value, 0) == mmId)
            map.LruPrev[head + 2] += diff;
        else if (MmId(value, 1) == mmId)
            map.LruNext[head + 3] += diff;
        else if (MmId(value, 0) == DummyMmId)
        {
            value = WithMmId(value, 0, mmId);
            map.LruPrev[head + 2] = diff - 1;
            if (newMapcountVal != diff - 1)
                value |= SharedBit; // we might have other mappings already
        }
        else if (MmId(value, 1) == DummyMmId)
        {
            value = WithMmId(value, 1, mmId);
            map.LruNext[head + 3] = diff - 1;
            value |= SharedBit; // slot 0 certainly has mappings as well
        }
        Unlock(ref ids, value);
    }

    /// <summary>folio_sub_large_mapcount(): <paramref name="diff"/> mappings by the mm <paramref name="mmId"/> fewer.</summary>
    public static void Sub(Folio folio, int diff, uint mmId, bool entire)
    {
        var map = folio.Memory.Map;
        int head = folio.Head.Index;
        SanityChecks(folio, diff, mmId);
        ref ulong ids = ref Lock(map, head);
        int newMapcountVal = AddCounter(map, head, -diff, entire) - 1;
        ulong value = ids;
        // a per-mm mapcount may underflow (mappings added while no slot was free): the slot is freed at -1
        if (MmId(value, 0) == mmId)
        {
            map.LruPrev[head + 2] -= diff;
            if (map.LruPrev[head + 2] < 0)
            {
                map.LruPrev[head + 2] = -1;
                value = WithMmId(value, 0, DummyMmId);
            }
        }
        else if (MmId(value, 1) == mmId)
        {
            map.LruNext[head + 3] -= diff;
            if (map.LruNext[head + 3] < 0)
            {
                map.LruNext[head + 3] = -1;
                value = WithMmId(value, 1, DummyMmId);
            }
        }
        // one slot owns every mapping (or nothing is mapped any more): mapped exclusively
        if (map.LruPrev[head + 2] == newMapcountVal || map.LruNext[head + 3] == newMapcountVal)
            value &= ~SharedBit;
        Unlock(ref ids, value);
    }

    /// <summary>folio_test_large_maybe_mapped_shared().</summary>
    public static bool MaybeMappedSharedBit(Folio folio) =>
        (Volatile.Read(ref folio.Memory.Map.Private[folio.Head.Index + 2]) & SharedBit) != 0;

    /// <summary>folio_mm_id(folio, slot) and _mm_id_mapcount[slot], for the invariant checker and tests.</summary>
    public static (uint MmId, int Mapcount) Slot(Folio folio, int slot)
    {
        var map = folio.Memory.Map;
        int head = folio.Head.Index;
        return (MmId(Volatile.Read(ref map.Private[head + 2]), slot), slot == 0 ? map.LruPrev[head + 2] : map.LruNext[head + 3]);
    }

    // __folio_large_mapcount_sanity_checks()
    private static void SanityChecks(Folio folio, int diff, uint mmId)
    {
        MmBug.On(!folio.IsLarge || folio.IsHugetlb || folio.Order < 2, folio.Head, "mm id tracking of a folio that is not a large non-hugetlb folio");
        MmBug.On(diff <= 0 || diff > folio.NrPages, folio.Head, $"large mapcount change by {diff}");
        MmBug.On(mmId < MinMmId, folio.Head, $"mapping by mm id {mmId}");
    }

    // the PMD mappings (compound_mapcount) or the PTE mappings of all pages; returns folio_large_mapcount() after
    private static int AddCounter(Memmap map, int head, int diff, bool entire)
    {
        if (entire)
            map.LruNext[head + 1] += diff;
        else
            map.LruNext[head + 2] += diff;
        return map.LruNext[head + 1] + 1 + map.LruNext[head + 2];
    }

    private static uint MmId(ulong ids, int slot) => (uint)((ids >> (32 * slot)) & MmIdMask);

    private static ulong WithMmId(ulong ids, int slot, uint mmId) =>
        (ids & ~(MmIdMask << (32 * slot))) | ((ulong)mmId << (32 * slot));

    // folio_lock_large_mapcount(): bit_spin_lock() on _mm_ids
    private static ref ulong Lock(Memmap map, int head)
    {
        ref ulong ids = ref map.Private[head + 2];
        var spin = new SpinWait();
        while ((Interlocked.Or(ref ids, LockBit) & LockBit) != 0)
            spin.SpinOnce();
        return ref ids;
    }

    // folio_unlock_large_mapcount(): publishes the new ids and flags with the lock bit clear
    private static void Unlock(ref ulong ids, ulong value) => Volatile.Write(ref ids, value & ~LockBit);
}
