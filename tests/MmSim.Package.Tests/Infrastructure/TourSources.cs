using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;

namespace MmSim.Package.Tests.Infrastructure;

/// <summary>
/// The sources of samples/AnalyzerTour and its fixed twin, and the rule markers in them: a comment
/// <c>// MM0001: ...</c> names the rule the build reports on that line.
/// </summary>
public static partial class TourSources
{
    public static string Tour => RepoPaths.Sample("AnalyzerTour");

    /// <summary>The program and the contract-marked helpers, shared by the tour and its twin.</summary>
    public static IEnumerable<string> Common => [Path.Combine(Tour, "Program.cs"), Path.Combine(Tour, "KernelHelpers.cs")];

    public static IEnumerable<string> Misuses => Directory.GetFiles(Path.Combine(Tour, "Misuses"), "*.cs").Order();

    public static IEnumerable<string> Fixes => Directory.GetFiles(Path.Combine(RepoPaths.Sample("AnalyzerTour.Fixed"), "Fixes"), "*.cs").Order();

    /// <summary>The misuse files named after the given rules (MM0010_LeakedPins.cs for MM0010).</summary>
    public static IEnumerable<string> MisusesOf(IEnumerable<string> ruleIds) =>
        Misuses.Where(f => ruleIds.Contains(Path.GetFileName(f)[..6]));

    public static IReadOnlySet<ReportedDiagnostic> Markers(IEnumerable<string> files) =>
        files.SelectMany(file => File.ReadLines(file).Select((text, index) => (text, line: index + 1))
                .SelectMany(l => Marker().Matches(l.text).Select(m => new ReportedDiagnostic(Path.GetFileName(file), l.line, m.Groups["id"].Value))))
            .ToHashSet();

    /// <summary>Every rule with a page under docs/rules.</summary>
    public static IReadOnlySet<string> DocumentedRules =>
        Directory.GetFiles(Path.Combine(RepoPaths.Root, "docs", "rules"), "MM*.md").Select(Path.GetFileNameWithoutExtension).OfType<string>().ToHashSet();

    [GeneratedRegex(@"//\s*(?<id>MM\d{4})\b")]
    private static partial Regex Marker();
}
