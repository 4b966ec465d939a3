namespace MmSim.Analyzers.Infrastructure;

/// <summary>Diagnostic categories, prefixed with the package name so that a user can configure them in bulk.</summary>
internal static class Categories
{
    public const string Correctness = "MmSim.Correctness";
    public const string Security = "MmSim.Security";
}
