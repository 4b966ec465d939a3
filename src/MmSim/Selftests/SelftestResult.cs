namespace MmSim.Selftests;

/// <summary>The outcome of one selftest case, as the kernel's TAP output reports it.</summary>
public enum SelftestResult
{
    /// <summary>ok.</summary>
    Pass,
    /// <summary>not ok.</summary>
    Fail,
    /// <summary>XFAIL: a failure the kernel expects and marks as such.</summary>
    XFail,
    /// <summary>SKIP: the feature is absent.</summary>
    Skip,
}
