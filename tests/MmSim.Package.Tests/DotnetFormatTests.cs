using System.IO;
using System.Linq;
using MmSim.Package.Tests.Infrastructure;
using Xunit;

namespace MmSim.Package.Tests;

/// <summary>The code fixes in the package, applied from the command line with <c>dotnet format analyzers</c>.</summary>
[Collection(PackedFeedCollection.Name)]
public class DotnetFormatTests(PackedFeed feed)
{
    /// <summary>
    /// The rules whose code fix alone makes the tour's misuse clean. Not here: MM0006, MM0008, MM0009 (no
    /// code fix); MM0001 (the fix rewrites a stray clear to try-share, whose exclusivity test is the user's
    /// to write, so MM0006 follows); MM0013 (its fix covers switches over entry kinds, not a PFN read).
    /// </summary>
    private static readonly string[] Fixable = ["MM0002", "MM0003", "MM0004", "MM0005", "MM0007", "MM0010", "MM0011", "MM0012", "MM0014"];

    [Fact]
    public void Format_applies_the_code_fixes_and_the_result_builds_without_MM_diagnostics()
    {
        var consumer = ConsumerProject.Create(feed, "FormatConsumer", TourSources.Common.Concat(TourSources.MisusesOf(Fixable)));
        var before = consumer.Build();
        Assert.Equal(Fixable, before.WithPrefix("MM").Select(d => d.Id).Distinct().Order());

        var format = consumer.FormatAnalyzers(Fixable);

        Assert.True(format.ExitCode == 0, format.ToString());
        Assert.Contains("using var pins", File.ReadAllText(consumer.PathOf("MM0010_LeakedPins.cs")));
        Assert.Contains("PageFlagBit.Dirty.Mask()", File.ReadAllText(consumer.PathOf("MM0014_BitAsMask.cs")));
        var after = consumer.Build();
        Assert.True(after.Result.ExitCode == 0, after.ToString());
        Assert.Empty(after.WithPrefix("MM"));
    }

    [Fact]
    public void Verify_no_changes_fails_while_a_fixable_diagnostic_is_present()
    {
        var consumer = ConsumerProject.Create(feed, "VerifyConsumer", TourSources.Common.Concat(TourSources.MisusesOf(["MM0014"])));
        var original = File.ReadAllText(consumer.PathOf("MM0014_BitAsMask.cs"));

        var verify = DotnetCli.Run(consumer.Directory, "format", "analyzers", "--severity", "warn", "--diagnostics", "MM0014", "--verify-no-changes");

        Assert.NotEqual(0, verify.ExitCode);
        Assert.Contains("MM0014", verify.Output);
        Assert.Equal(original, File.ReadAllText(consumer.PathOf("MM0014_BitAsMask.cs")));
    }
}
