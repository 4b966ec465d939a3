using System.Collections.Generic;

namespace MmSim.Hugetlb;

/// <summary>
/// The reservation map of a private hugetlb mapping (struct resv_map, HPAGE_RESV_OWNER), or of a shared
/// anonymous hugetlb file (the inode's): the huge pages reserved at mmap time and not faulted in yet. A private
/// one is shared by the areas a split makes of it; a child after fork has none.
/// </summary>
internal sealed class HugetlbReservation
{
    private readonly HugetlbPool _pool;
    private readonly HashSet<ulong> _pending = new(); // linear page indexes of huge-page starts

    private HugetlbReservation(HugetlbPool pool, IEnumerable<ulong> indexes)
    {
        _pool = pool;
        foreach (ulong index in indexes)
            _pending.Add(index);
    }

    /// <summary>
    /// hugetlb_reserve_pages(): one page of <paramref name="pool"/> for each of <paramref name="indexes"/> (the pages'
    /// linear or file indexes), or ENOMEM if the free pages cannot cover them, with nothing reserved.
    /// </summary>
    public static HugetlbReservation Reserve(HugetlbPool pool, IReadOnlyCollection<ulong> indexes, string caller)
    {
        if (!pool.Reserve(indexes.Count))
            throw new MmException(Errno.ENOMEM, $"{caller}: {indexes.Count} huge pages of {pool.SizeName} cannot be reserved ({pool.FreeCount - pool.Reserved} free)");
        return new HugetlbReservation(pool, indexes);
    }

    /// <summary>A fault uses the reservation of its huge page, if it still has one.</summary>
    public bool Consume(ulong index)
    {
        lock (_pending)
            return _pending.Remove(index);
    }

    /// <summary>hugetlb_vm_op_close(): an area going away gives back what it reserved and never used.</summary>
    public void Release(ulong firstIndex, ulong endIndex)
    {
        int released = 0;
        lock (_pending)
            released = _pending.RemoveWhere(index => index >= firstIndex && index < endIndex);
        _pool.Unreserve(released);
    }
}
