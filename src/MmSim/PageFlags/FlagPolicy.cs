namespace MmSim.PageFlags;

/// <summary>
/// Which struct page of a compound page holds a flag, and which accesses are legal: the PF_* policies
/// of include/linux/page-flags.h. Violations are always-on checks here (VM_BUG_ON_PGFLAGS in the kernel).
/// </summary>
public enum FlagPolicy
{
    /// <summary>PF_ANY: the page's own bit, on any page.</summary>
    Any,
    /// <summary>PF_HEAD: tests and modifications on a tail are redirected to the head.</summary>
    Head,
    /// <summary>PF_ONLY_HEAD: the caller must pass a head or a small page; a tail is a bug.</summary>
    OnlyHead,
    /// <summary>PF_NO_TAIL: tests through a tail read the head; modifications through a tail are a bug.</summary>
    NoTail,
    /// <summary>PF_NO_COMPOUND: modifications on any compound page are a bug; tests read the page itself.</summary>
    NoCompound,
    /// <summary>PF_SECOND: stored in page[1]; the caller must pass the head of a large folio.</summary>
    Second,
}
