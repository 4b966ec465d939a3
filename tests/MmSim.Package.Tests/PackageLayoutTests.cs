using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Xml.Linq;
using MmSim.Package.Tests.Infrastructure;
using Xunit;

namespace MmSim.Package.Tests;

/// <summary>One package carries everything a user installs: runtime, analyzers, code fixes, readme, metadata.</summary>
[Collection(PackedFeedCollection.Name)]
public class PackageLayoutTests(PackedFeed feed)
{
    [Fact]
    public void The_package_holds_the_runtime_in_lib_and_the_analyzers_and_code_fixes_in_analyzers_dotnet_cs()
    {
        using var package = ZipFile.OpenRead(feed.PackagePath);
        var entries = package.Entries.Select(e => e.FullName).ToHashSet();
        Assert.Contains("lib/net10.0/MmSim.dll", entries);
        Assert.Contains("lib/net10.0/MmSim.xml", entries);
        Assert.Contains("analyzers/dotnet/cs/MmSim.Analyzers.dll", entries);
        Assert.Contains("analyzers/dotnet/cs/MmSim.CodeFixes.dll", entries);
        Assert.Contains("README.md", entries);
    }

    [Fact]
    public void The_nuspec_has_license_readme_repository_and_no_dependencies()
    {
        var nuspec = Nuspec();
        XNamespace ns = nuspec.Root!.Name.Namespace;
        var metadata = nuspec.Root.Element(ns + "metadata")!;
        Assert.Equal("MmSim", metadata.Element(ns + "id")!.Value);
        Assert.Equal("MIT", metadata.Element(ns + "license")!.Value);
        Assert.Equal("README.md", metadata.Element(ns + "readme")!.Value);
        Assert.Equal("https://github.com/mmsim/mmsim", metadata.Element(ns + "repository")!.Attribute("url")!.Value);
        // the analyzer projects are build-order references only: installing needs no second package
        Assert.Empty(nuspec.Descendants(ns + "dependency"));
    }

    [Fact]
    public void The_version_comes_from_Directory_Build_props()
    {
        var props = XDocument.Load(Path.Combine(RepoPaths.Root, "Directory.Build.props"));
        var version = props.Descendants("Version").Single().Value;
        Assert.Equal(version, feed.Version);
        Assert.Equal(version, Nuspec().Descendants().Single(e => e.Name.LocalName == "version").Value);
    }

    [Fact]
    public void A_symbol_package_with_the_runtime_pdb_sits_next_to_the_package()
    {
        var symbols = Path.ChangeExtension(feed.PackagePath, ".snupkg");
        Assert.True(File.Exists(symbols), $"{symbols} is missing");
        using var package = ZipFile.OpenRead(symbols);
        Assert.Contains(package.Entries, e => e.FullName == "lib/net10.0/MmSim.pdb");
    }

    private XDocument Nuspec()
    {
        using var package = ZipFile.OpenRead(feed.PackagePath);
        using var stream = package.GetEntry("MmSim.nuspec")!.Open();
        return XDocument.Load(stream);
    }
}
