using System.Collections.Generic;
using System.Threading;
using MmSim.PageFlags;
using MmSim.Physical;
using MmSim.Rmap;

namespace MmSim.Ksm;

/// <summary>
/// struct ksm_stable_node (mm/ksm.c): one KSM page in the stable tree. A KSM page's -&gt;mapping names its
/// stable node with PAGE_MAPPING_KSM, which makes it PageAnon and PageKsm, and never exclusive. The node
/// lists the rmap_items of the pages merged into it, which is how rmap_walk_ksm() finds every mapping.
/// </summary>
internal sealed class StableNode
{
    private readonly PhysicalMemory _memory;
    private readonly List<(AnonVma AnonVma, ulong Address)> _rmapItems = new();
    private long _kpfn;

    public StableNode(PhysicalMemory memory, Folio kpage, int checksum)
    {
        _memory = memory;
        Id = memory.Mappings.Register(this);
        _kpfn = kpage.Head.Pfn;
        Checksum = checksum;
    }

    public int Id { get; }

    /// <summary>The KSM page (stable_node-&gt;kpfn); folio_migrate_ksm() points it at the page's new frame.</summary>
    public Folio KPage
    {
        get => _memory.PfnToPage(Volatile.Read(ref _kpfn)).Folio;
        set => Volatile.Write(ref _kpfn, value.Head.Pfn);
    }

    public int Checksum { get; }

    public PageMapping Mapping => PageMapping.Ksm(Id);

    /// <summary>
    /// stable_tree_append(): a page at <paramref name="address"/> of an area on <paramref name="anonVma"/> now maps
    /// the KSM page (rmap_item-&gt;anon_vma, -&gt;address). Children forked later are on the same anon_vma.
    /// </summary>
    public void Append(AnonVma anonVma, ulong address)
    {
        lock (_rmapItems)
        {
            if (!_rmapItems.Contains((anonVma, address)))
                _rmapItems.Add((anonVma, address));
        }
    }

    /// <summary>The rmap_items on the node's hlist, a snapshot.</summary>
    public IReadOnlyList<(AnonVma AnonVma, ulong Address)> RmapItems
    {
        get
        {
            lock (_rmapItems)
                return _rmapItems.ToArray();
        }
    }
}
