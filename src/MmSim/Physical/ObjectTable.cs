using System.Collections.Generic;
using System.Threading;

namespace MmSim.Physical;

/// <summary>
/// Resolves the object ids kept in <c>-&gt;mapping</c> (anon_vma, address_space, KSM stable node) back to
/// objects. Ids are never reused, so a stale mapping of a freed page resolves to nothing instead of to
/// another object.
/// </summary>
internal sealed class ObjectTable
{
    private readonly Dictionary<int, object> _objects = new();
    private int _lastId;

    public int Register(object target)
    {
        int id = Interlocked.Increment(ref _lastId);
        lock (_objects)
            _objects.Add(id, target);
        return id;
    }

    public void Unregister(int id)
    {
        lock (_objects)
            _objects.Remove(id);
    }

    public T? Resolve<T>(int id)
        where T : class
    {
        lock (_objects)
            return _objects.TryGetValue(id, out var target) ? target as T : null;
    }
}
