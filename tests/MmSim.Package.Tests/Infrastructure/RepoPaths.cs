using System;
using System.IO;
using System.Linq;
using System.Reflection;

namespace MmSim.Package.Tests.Infrastructure;

/// <summary>Paths in the checkout under test (the test project records its root at build time).</summary>
public static class RepoPaths
{
    public static string Root { get; } = typeof(RepoPaths).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "RepoRoot").Value
        ?? throw new InvalidOperationException("RepoRoot metadata is missing");

    public static string RuntimeProject => Path.Combine(Root, "src", "MmSim", "MmSim.csproj");

    public static string Sample(string name) => Path.Combine(Root, "samples", name);
}
