using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using MmSim.Package.Tests.Infrastructure;
using Xunit;

namespace MmSim.Package.Tests;

/// <summary>
/// An editor session: csharp-ls (pinned in .config/dotnet-tools.json) opened on a consumer of the
/// package, with <c>csharp.analyzersEnabled</c> on, publishes the MM diagnostics of the open files.
/// </summary>
[Collection(PackedFeedCollection.Name)]
public class CsharpLsTests(PackedFeed feed)
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Csharp_ls_publishes_each_rule_for_the_open_files()
    {
        var misuses = TourSources.Misuses.ToList();
        var consumer = ConsumerProject.Create(feed, "EditorConsumer", TourSources.Common.Concat(misuses));
        var restore = DotnetCli.Run(consumer.Directory, "restore");
        Assert.True(restore.ExitCode == 0, restore.ToString());

        var expected = misuses.ToDictionary(
            file => new Uri(consumer.PathOf(Path.GetFileName(file))).AbsoluteUri,
            file => TourSources.Markers([file]).Select(m => m.Id).ToHashSet());
        var published = new Dictionary<string, HashSet<string>>();

        // the tool manifest is found from the working directory; the workspace is the consumer (rootUri)
        using var client = new LspClient(
            DotnetCli.StartInfo(RepoPaths.Root, "tool", "run", "csharp-ls"),
            new JsonObject { ["analyzersEnabled"] = true });
        using var timeout = new CancellationTokenSource(Limit);
        try
        {
            await client.RequestAsync("initialize", Initialize(consumer.Directory), timeout.Token);
            await client.NotifyAsync("initialized", new JsonObject());
            foreach (var uri in expected.Keys)
                await client.NotifyAsync("textDocument/didOpen", DidOpen(uri));

            while (!expected.All(e => published.TryGetValue(e.Key, out var ids) && e.Value.IsSubsetOf(ids)))
            {
                var notification = await client.NextNotificationAsync(timeout.Token);
                if ((string?)notification["method"] != "textDocument/publishDiagnostics")
                    continue;
                var uri = (string)notification["params"]!["uri"]!;
                published[uri] = notification["params"]!["diagnostics"]!.AsArray()
                    .Select(d => (string?)d!["code"]).OfType<string>().ToHashSet();
            }
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"csharp-ls did not publish every expected diagnostic within {Limit}.\n" +
                $"published: {Describe(published)}\nexpected: {Describe(expected)}\nserver log:\n{client.ServerLog}");
        }

        foreach (var (uri, ids) in expected)
            Assert.Superset(ids, published[uri]);
    }

    private static JsonObject Initialize(string workspace) => new()
    {
        ["processId"] = Environment.ProcessId,
        ["rootUri"] = new Uri(workspace).AbsoluteUri,
        ["workspaceFolders"] = new JsonArray(new JsonObject { ["uri"] = new Uri(workspace).AbsoluteUri, ["name"] = "consumer" }),
        ["capabilities"] = new JsonObject
        {
            ["workspace"] = new JsonObject { ["configuration"] = true },
            ["textDocument"] = new JsonObject { ["publishDiagnostics"] = new JsonObject() },
        },
    };

    private static JsonObject DidOpen(string uri) => new()
    {
        ["textDocument"] = new JsonObject
        {
            ["uri"] = uri,
            ["languageId"] = "csharp",
            ["version"] = 1,
            ["text"] = File.ReadAllText(new Uri(uri).LocalPath),
        },
    };

    private static string Describe(Dictionary<string, HashSet<string>> diagnostics) =>
        string.Join("; ", diagnostics.Select(d => $"{Path.GetFileName(new Uri(d.Key).LocalPath)}: {string.Join(",", d.Value)}"));
}
