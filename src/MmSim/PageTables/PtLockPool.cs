using System;
using System.Collections.Generic;
using System.Threading;

namespace MmSim.PageTables;

/// <summary>
/// Split page-table locks (ALLOC_SPLIT_PTLOCKS): each page-table page gets its own lock object when it is
/// allocated (ptlock_init), found through the table page's page_private, and returned when the table is
/// freed. Lookups take no lock: slots only ever grow, and a published slot never changes.
/// </summary>
internal sealed class PtLockPool
{
    private readonly object _grow = new();
    private readonly Stack<int> _free = new();
    private object[] _locks = new object[64];
    private int _count;

    public int Rent()
    {
        lock (_grow)
        {
            if (_free.Count > 0)
                return _free.Pop();
            if (_count == _locks.Length)
            {
                var bigger = new object[_locks.Length * 2];
                Array.Copy(_locks, bigger, _count);
                Volatile.Write(ref _locks, bigger);
            }
            _locks[_count] = new object();
            return _count++;
        }
    }

    public void Return(int index)
    {
        lock (_grow)
            _free.Push(index);
    }

    public object this[int index] => Volatile.Read(ref _locks)[index];
}
