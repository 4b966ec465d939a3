using System;
using System.IO;
using System.Linq;
using Xunit;

namespace MmSim.Package.Tests.Infrastructure;

/// <summary>
/// Packs the runtime once per test run into a local folder feed, from a Release build in its own
/// artifacts folder (the checkout's bin/obj stay untouched). Everything lives in one temp folder,
/// deleted at the end.
/// </summary>
public sealed class PackedFeed : IDisposable
{
    public PackedFeed()
    {
        Root = Directory.CreateTempSubdirectory("mmsim-package-tests-").FullName;
        Directory.CreateDirectory(FeedDirectory);
        PackResult = DotnetCli.Run(RepoPaths.Root, "pack", RepoPaths.RuntimeProject, "-c", "Release",
            "-o", FeedDirectory, "--artifacts-path", Path.Combine(Root, "artifacts"));
        Assert.True(PackResult.ExitCode == 0, $"dotnet pack failed: {PackResult}");
        PackagePath = Directory.GetFiles(FeedDirectory, "MmSim.*.nupkg").Single();
        Version = Path.GetFileNameWithoutExtension(PackagePath)["MmSim.".Length..];
    }

    /// <summary>The run's temp folder: feed, artifacts, the private package folder and every consumer.</summary>
    public string Root { get; }

    public string FeedDirectory => Path.Combine(Root, "feed");

    /// <summary>Consumers restore into this folder, never the user-wide cache, so a re-pack is never served stale.</summary>
    public string PackagesDirectory => Path.Combine(Root, "packages");

    public CliResult PackResult { get; }

    public string PackagePath { get; }

    public string Version { get; }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}

[CollectionDefinition(Name)]
public sealed class PackedFeedCollection : ICollectionFixture<PackedFeed>
{
    /// <summary>The tests that share the packed feed run one at a time (two cores, one build at a time).</summary>
    public const string Name = "packed feed";
}
