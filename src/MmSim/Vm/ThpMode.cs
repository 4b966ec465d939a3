namespace MmSim;

/// <summary>/sys/kernel/mm/transparent_hugepage/enabled.</summary>
public enum ThpMode
{
    /// <summary>never.</summary>
    Never,
    /// <summary>madvise: only areas with MADV_HUGEPAGE.</summary>
    Madvise,
    /// <summary>always.</summary>
    Always,
}
