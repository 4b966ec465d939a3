namespace MmSim;

/// <summary>Which generation of the kernel's copy-on-write design the machine follows.</summary>
public enum CowSemantics
{
    /// <summary>
    /// Linux 6.2 and later (the default): PG_anon_exclusive decides reuse; a R/O FOLL_PIN of a
    /// possibly shared page unshares it first; fork copies maybe-pinned pages for the child.
    /// </summary>
    AnonExclusive = 0,

    /// <summary>
    /// Linux 5.11 to 5.17: a write fault reuses a base page only if page_count == 1 (09854ba94c6a); THP and
    /// swap-in still reuse by mapcount; fork copies pinned pages; R/O pins do not unshare.
    /// </summary>
    RefcountReuse = 1,

    /// <summary>
    /// Before Linux 5.8: a write fault reuses when mapcount == 1; GUP never breaks COW; fork shares pinned
    /// pages (CVE-2020-29374 reproduces).
    /// </summary>
    MapcountReuse = 2,
}
