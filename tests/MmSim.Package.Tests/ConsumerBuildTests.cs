using System.Linq;
using MmSim.Package.Tests.Infrastructure;
using Xunit;

namespace MmSim.Package.Tests;

/// <summary>
/// A new user's project restores MmSim from the local feed and builds samples/AnalyzerTour's sources:
/// the analyzers load from the package and report every rule where the tour says.
/// </summary>
[Collection(PackedFeedCollection.Name)]
public class ConsumerBuildTests(PackedFeed feed)
{
    /// <summary>Analyzer load failures: CS8032/CS8033 (cannot load / no analyzers), CS9057 (newer compiler), AD0001 (analyzer threw).</summary>
    private static readonly string[] LoadFailures = ["CS8032", "CS8033", "CS9057", "AD0001"];

    [Fact]
    public void The_tour_marks_one_misuse_of_every_documented_rule()
    {
        var marked = TourSources.Markers(TourSources.Misuses).Select(m => m.Id).ToHashSet();
        Assert.Equal(TourSources.DocumentedRules.Order(), marked.Order());
    }

    [Fact]
    public void The_tour_built_from_the_package_reports_each_rule_on_its_marked_line_and_nowhere_else()
    {
        var consumer = ConsumerProject.Create(feed, "TourConsumer", TourSources.Common.Concat(TourSources.Misuses));
        var build = consumer.Build();

        Assert.True(build.Result.ExitCode == 0, build.ToString());
        Assert.DoesNotContain(build.Diagnostics, d => LoadFailures.Contains(d.Id));
        Assert.Equal(
            TourSources.Markers(TourSources.Misuses).OrderBy(d => d.FileName).ThenBy(d => d.Line).ThenBy(d => d.Id),
            build.WithPrefix("MM").OrderBy(d => d.FileName).ThenBy(d => d.Line).ThenBy(d => d.Id));
    }

    [Fact]
    public void The_tour_program_runs_against_the_packed_runtime()
    {
        var consumer = ConsumerProject.Create(feed, "TourRunner", TourSources.Common);
        var build = consumer.Build();
        Assert.True(build.Result.ExitCode == 0, build.ToString());

        var run = consumer.Run();

        Assert.True(run.ExitCode == 0, run.ToString());
        // the parent's write after fork copied the shared page into a new exclusive one
        Assert.Contains("after fork:  PageMapEntry { Present = True", run.Output);
        Assert.Matches(@"after write: PageMapEntry \{ Present = True, .*AnonExclusive = True", run.Output);
    }

    [Fact]
    public void The_fixed_twin_built_from_the_package_has_no_warnings()
    {
        var consumer = ConsumerProject.Create(feed, "FixedConsumer", TourSources.Common.Concat(TourSources.Fixes));
        var build = consumer.Build();

        Assert.True(build.Result.ExitCode == 0, build.ToString());
        Assert.Empty(build.Diagnostics);
        Assert.Contains("0 Warning(s)", build.Result.Output);
    }
}
