using System.Collections.Generic;
using MmSim.PageFlags;
using MmSim.Physical;
using MmSim.Vm;

namespace MmSim.Rmap;

/// <summary>
/// struct anon_vma (mm/rmap.c): what an anonymous page's -&gt;mapping points to. It lists, through its
/// anon_vma_chain, every area that may map its pages; fork links the child's areas into the parent's
/// anon_vmas (anon_vma_fork), so an rmap walk from a page finds every process that may map it.
/// </summary>
internal sealed class AnonVma
{
    private readonly PhysicalMemory _memory;

    public AnonVma(PhysicalMemory memory, AnonVma? parent)
    {
        _memory = memory;
        Id = memory.Mappings.Register(this);
        Root = parent?.Root ?? this;
    }

    public int Id { get; }

    /// <summary>anon_vma-&gt;root: the anon_vma of the oldest ancestor.</summary>
    public AnonVma Root { get; }

    /// <summary>The areas on this anon_vma's chain (anon_vma_chain).</summary>
    public List<Vma> Vmas { get; } = new();

    /// <summary>The value of -&gt;mapping for pages of this anon_vma.</summary>
    public PageMapping Mapping => PageMapping.Anon(Id);

    public void Link(Vma vma)
    {
        lock (Root)
            Vmas.Add(vma);
    }

    /// <summary>unlink_anon_vmas(): an anon_vma that no area links any more is freed.</summary>
    public void Unlink(Vma vma)
    {
        lock (Root)
        {
            Vmas.Remove(vma);
            if (Vmas.Count == 0)
                _memory.Mappings.Unregister(Id);
        }
    }
}
