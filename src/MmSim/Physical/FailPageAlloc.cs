using System.Threading;

namespace MmSim.Physical;

/// <summary>
/// Fault injection for allocations, in the spirit of the kernel's fail_page_alloc and failslab: after
/// <c>space</c> more allocations succeed, the next <c>times</c> ones fail. Page, page-table, hugetlb and
/// swap-slot allocations all ask it. Unarmed, it costs one volatile read.
/// </summary>
internal sealed class FailPageAlloc
{
    private readonly object _lock = new();
    private int _space;
    private int _times;
    private int _injected;

    /// <summary>Failures injected so far.</summary>
    public int Injected => Volatile.Read(ref _injected);

    public void Arm(int space, int times)
    {
        lock (_lock)
        {
            _space = space;
            Volatile.Write(ref _times, times);
        }
    }

    public void Disarm() => Volatile.Write(ref _times, 0);

    /// <summary>should_fail(): whether this allocation is one of the failing ones.</summary>
    public bool ShouldFail()
    {
        if (Volatile.Read(ref _times) <= 0)
            return false;
        lock (_lock)
        {
            if (_times <= 0)
                return false;
            if (_space > 0)
            {
                _space--;
                return false;
            }
            _times--;
            _injected++;
            return true;
        }
    }
}
