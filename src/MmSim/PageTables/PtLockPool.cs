using System.Collections.Generic;

namespace MmSim.PageTables;

/// <summary>
/// Split page-table locks (ALLOC_SPLIT_PTLOCKS): each page-table page gets its own lock object when it is
/// allocated (ptlock_init), found through the table page's page_private, and returned when the table is freed.
/// </summary>
internal sealed class PtLockPool
{
    private readonly List<object> _locks = new();
    private readonly Stack<int> _free = new();

    public int Rent()
    {
        lock (_locks)
        {
            if (_free.Count > 0)
                return _free.Pop();
            _locks.Add(new object());
            return _locks.Count - 1;
        }
    }

    public void Return(int index)
    {
        lock (_locks)
            _free.Push(index);
    }

    public object this[int index]
    {
        get
        {
            lock (_locks)
                return _locks[index];
        }
    }
}
