using MmSim.PageFlags;
using MmSim.Physical;

namespace MmSim.Ksm;

/// <summary>
/// struct ksm_stable_node (mm/ksm.c): one KSM page in the stable tree. A KSM page's -&gt;mapping names its
/// stable node with PAGE_MAPPING_KSM, which makes it PageAnon and PageKsm, and never exclusive.
/// </summary>
internal sealed class StableNode
{
    public StableNode(PhysicalMemory memory, Folio kpage, int checksum)
    {
        Id = memory.Mappings.Register(this);
        KPage = kpage;
        Checksum = checksum;
    }

    public int Id { get; }

    /// <summary>The KSM page (stable_node-&gt;kpfn).</summary>
    public Folio KPage { get; }

    public int Checksum { get; }

    public PageMapping Mapping => PageMapping.Ksm(Id);
}
