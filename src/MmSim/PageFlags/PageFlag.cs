namespace MmSim.PageFlags;

/// <summary>
/// One named page flag: a bit, the compound policy its kernel accessors are generated with
/// (<c>PAGEFLAG(uname, lname, policy)</c>), and the kind of page it is meaningful on. Aliased names
/// are distinct descriptors over one bit (for example <see cref="PG.Readahead"/> and <see cref="PG.Reclaim"/>).
/// </summary>
public sealed class PageFlag
{
    internal PageFlag(PageFlagBit bit, FlagPolicy policy, string kernelName, FlagDomain domain = FlagDomain.AnyPage)
    {
        Bit = bit;
        Policy = policy;
        KernelName = kernelName;
        Domain = domain;
    }

    /// <summary>The bit this name reads and writes.</summary>
    public PageFlagBit Bit { get; }

    /// <summary>The compound policy, checked on every access.</summary>
    public FlagPolicy Policy { get; }

    /// <summary>The kernel's name, e.g. <c>PG_mappedtodisk</c>.</summary>
    public string KernelName { get; }

    /// <summary>The kind of page the flag is meaningful on.</summary>
    public FlagDomain Domain { get; }

    /// <summary>The mask of <see cref="Bit"/>.</summary>
    public ulong Mask => Bit.Mask();

    public override string ToString() => KernelName;
}

/// <summary>The kind of page a flag is meaningful on.</summary>
public enum FlagDomain
{
    /// <summary>Any page.</summary>
    AnyPage,

    /// <summary>
    /// Only pages that are not anonymous: the bit means something else on an anon page (PG_mappedtodisk
    /// is PG_anon_exclusive there), so the accessor refuses anon pages.
    /// </summary>
    NotAnon,
}
