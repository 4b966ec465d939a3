using System.Collections.Generic;
using System.IO;

namespace MmSim.Package.Tests.Infrastructure;

/// <summary>
/// A new user's project outside the solution: a console app with one PackageReference to MmSim, a
/// NuGet.config that knows only the local feed, and source files copied from a sample.
/// </summary>
public sealed class ConsumerProject
{
    private ConsumerProject(string directory) => Directory = directory;

    public string Directory { get; }

    public static ConsumerProject Create(PackedFeed feed, string name, IEnumerable<string> sourceFiles)
    {
        var directory = Path.Combine(feed.Root, name);
        System.IO.Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, name + ".csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="MmSim" Version="{feed.Version}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(directory, "NuGet.config"), $"""
            <configuration>
              <config>
                <add key="globalPackagesFolder" value="{feed.PackagesDirectory}" />
              </config>
              <packageSources>
                <clear />
                <add key="local-feed" value="{feed.FeedDirectory}" />
              </packageSources>
            </configuration>
            """);
        foreach (var source in sourceFiles)
            File.Copy(source, Path.Combine(directory, Path.GetFileName(source)));
        return new ConsumerProject(directory);
    }

    public string PathOf(string fileName) => Path.Combine(Directory, fileName);

    /// <summary>A full compile (never skipped as up to date), so every diagnostic is printed.</summary>
    public BuildOutput Build(params string[] extraArguments) =>
        new(DotnetCli.Run(Directory, ["build", "--no-incremental", .. extraArguments]));

    public CliResult Run() => DotnetCli.Run(Directory, "run", "--no-build");

    public CliResult FormatAnalyzers(IEnumerable<string> diagnosticIds)
    {
        var arguments = new List<string> { "format", "analyzers", "--severity", "warn", "--diagnostics" };
        arguments.AddRange(diagnosticIds);
        return DotnetCli.Run(Directory, arguments.ToArray());
    }
}
