using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using MmSim.Package.Tests.Infrastructure;
using Xunit;

namespace MmSim.Package.Tests;

/// <summary>The README's SARIF command on a consumer of the package: every rule, with a link to its page.</summary>
[Collection(PackedFeedCollection.Name)]
public class SarifTests(PackedFeed feed)
{
    [Fact]
    public void ErrorLog_writes_SARIF_2_1_with_every_rule_and_its_docs_page()
    {
        var consumer = ConsumerProject.Create(feed, "SarifConsumer", TourSources.Common.Concat(TourSources.Misuses));
        var sarifPath = consumer.PathOf("mmsim.sarif");

        var build = consumer.Build($"-p:ErrorLog={sarifPath}%2Cversion=2.1");

        Assert.True(build.Result.ExitCode == 0, build.ToString());
        var log = JsonNode.Parse(File.ReadAllText(sarifPath))!;
        Assert.Equal("2.1.0", (string?)log["version"]);
        var run = log["runs"]![0]!;
        var reported = run["results"]!.AsArray().Select(r => (string?)r!["ruleId"]).Where(id => id!.StartsWith("MM")).ToHashSet();
        Assert.Equal(TourSources.DocumentedRules.Order(), reported.Order());
        foreach (var rule in run["tool"]!["driver"]!["rules"]!.AsArray().Where(r => ((string?)r!["id"])!.StartsWith("MM")))
            Assert.Equal($"https://github.com/mmsim/mmsim/blob/main/docs/rules/{rule!["id"]}.md", (string?)rule["helpUri"]);
    }
}
