using System.Collections.Generic;

namespace MmSim.Vm;

/// <summary>
/// mm_alloc_id() / mm_free_id() (kernel/fork.c, CONFIG_MM_ID): every mm gets the lowest free id from an IDA,
/// 1 up to 2^31 - 1; 0 is MM_ID_DUMMY, the id of no mm. Large folios remember the ids of the mms that map them.
/// </summary>
internal sealed class MmIdAllocator
{
    /// <summary>MM_ID_MAX on 64 bit: the top bit of each 32-bit id is left for the folio's flag bits.</summary>
    public const uint MaxId = (1U << 31) - 1;

    private readonly SortedSet<uint> _freed = new();
    private uint _next = PageFlags.LargeMapcount.MinMmId;

    public uint Alloc()
    {
        lock (_freed)
        {
            if (_freed.Count > 0)
            {
                uint lowest = _freed.Min;
                _freed.Remove(lowest);
                return lowest;
            }
            if (_next > MaxId)
                throw new MmException(Errno.ENOMEM, "no free mm id (ida_alloc_range)");
            return _next++;
        }
    }

    public void Free(uint id)
    {
        lock (_freed)
        {
            Diagnostics.MmBug.On(id < PageFlags.LargeMapcount.MinMmId || id >= _next || _freed.Contains(id), $"mm_free_id of id {id}, which is not allocated");
            _freed.Add(id);
        }
    }
}
