using MmSim.PageFlags;
using MmSim.Physical;

namespace MmSim.Faults;

/// <summary>
/// The page a fault allocates before it takes the PT lock, as the kernel does (allocate, lock, recheck the
/// entry): allocation may reclaim, and reclaim must be able to lock any page table. A handler that needs
/// a page and has none says which one it wants and returns <see cref="VmFault.NeedPage"/>; the caller
/// drops the lock, allocates, and runs the handler again on the entry as it then is.
/// </summary>
internal struct FaultPage
{
    private Folio? _folio;
    private Gfp _wanted;

    /// <summary>Takes the preallocated page, or records the wish and returns false.</summary>
    public bool TryTake(Gfp gfp, out Folio folio)
    {
        if (_folio is { } ready && (gfp & Gfp.Zero) == (_wanted & Gfp.Zero))
        {
            _folio = null;
            folio = ready;
            return true;
        }
        _wanted = gfp;
        folio = default;
        return false;
    }

    /// <summary>Allocates what the handler asked for, outside the PT lock; false when memory is exhausted.</summary>
    public bool Allocate(Machine machine)
    {
        Release();
        _folio = machine.AllocUserFolio(_wanted);
        return _folio is not null;
    }

    /// <summary>Frees a page the handler did not use (the entry changed meanwhile).</summary>
    public void Release()
    {
        _folio?.Put();
        _folio = null;
    }
}
