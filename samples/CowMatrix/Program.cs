// The kernel's COW selftests (tools/testing/selftests/mm/cow.c and gup_longterm.c) on the three COW generations.
//   dotnet run --project samples/CowMatrix [-- --format table|json|markdown] [--only <family or kind>]
using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using MmSim;
using MmSim.Selftests;

string format = "table";
string? only = null;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--format" when i + 1 < args.Length:
            format = args[++i];
            break;
        case "--only" when i + 1 < args.Length:
            only = args[++i];
            break;
        default:
            Console.Error.WriteLine("usage: CowMatrix [--format table|json|markdown] [--only <family or kind>]");
            return 2;
    }
}

CowSemantics[] generations = [CowSemantics.AnonExclusive, CowSemantics.RefcountReuse, CowSemantics.MapcountReuse];
var results = generations.SelectMany(g => CowSelftest.Run(g, only).Concat(GupLongtermSelftest.Run(g, only))).ToList();
if (results.Count == 0)
{
    Console.Error.WriteLine($"no case matches '{only}'; families: {string.Join(", ", CowSelftest.Families)}; kinds: {string.Join(", ", CowSelftest.Kinds)}");
    return 2;
}

switch (format)
{
    case "json":
        var rows = results.Select(r => new Dictionary<string, string>
        {
            ["family"] = r.Family,
            ["kind"] = r.Kind,
            ["semantics"] = r.Semantics.ToString(),
            ["result"] = Word(r.Result),
            ["expected"] = Word(r.Expected),
        });
        Console.WriteLine(JsonSerializer.Serialize(rows, new JsonSerializerOptions { WriteIndented = true }));
        break;
    case "markdown":
        Console.WriteLine($"| test case | {string.Join(" | ", generations)} |");
        Console.WriteLine($"|---|{string.Concat(generations.Select(_ => "---|"))}");
        foreach (var row in Rows())
            Console.WriteLine($"| {row.Name} | {string.Join(" | ", row.Cells)} |");
        break;
    case "table":
        var table = Rows().ToList();
        int width = table.Max(r => r.Name.Length);
        Console.WriteLine($"{"test case".PadRight(width)}  {string.Join("  ", generations.Select(g => g.ToString().PadRight(13)))}");
        foreach (var row in table)
            Console.WriteLine($"{row.Name.PadRight(width)}  {string.Join("  ", row.Cells.Select(c => c.PadRight(13)))}");
        int mismatches = results.Count(r => !r.MatchesKernel);
        Console.WriteLine();
        Console.WriteLine($"{results.Count} cases; {results.Count(r => r.Result == SelftestResult.Fail)} fail as the kernel of their generation did; {mismatches} differ from the kernel.");
        Console.WriteLine("pass / FAIL / xfail; '!' marks a result that differs from the kernel of that generation.");
        break;
    default:
        Console.Error.WriteLine($"unknown format '{format}'");
        return 2;
}
return results.All(r => r.MatchesKernel) ? 0 : 1;

IEnumerable<(string Name, string[] Cells)> Rows() =>
    results.GroupBy(r => (r.Family, r.Kind)).Select(g => (
        $"{g.Key.Family} with {g.Key.Kind}",
        generations.Select(s => g.Single(r => r.Semantics == s)).Select(Cell).ToArray()));

static string Cell(CowCaseResult r) => (r.Result == SelftestResult.Fail ? "FAIL" : Word(r.Result)) + (r.MatchesKernel ? string.Empty : " !");

static string Word(SelftestResult result) => result.ToString().ToLowerInvariant();
