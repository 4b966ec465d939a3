using System.Collections.Generic;

namespace MmSim.Hugetlb;

/// <summary>
/// The reservation map of a private hugetlb mapping (struct resv_map, HPAGE_RESV_OWNER): the huge pages
/// it reserved at mmap time and has not faulted in yet. Shared by the areas a split makes of it; a child
/// after fork has none.
/// </summary>
internal sealed class HugetlbReservation
{
    private readonly HugetlbPool _pool;
    private readonly HashSet<ulong> _pending = new(); // linear page indexes of huge-page starts

    public HugetlbReservation(HugetlbPool pool, IEnumerable<ulong> indexes)
    {
        _pool = pool;
        foreach (ulong index in indexes)
            _pending.Add(index);
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
