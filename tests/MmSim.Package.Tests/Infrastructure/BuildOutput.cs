using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;

namespace MmSim.Package.Tests.Infrastructure;

/// <summary>A diagnostic as the build prints it: <c>File.cs(line,col): warning MM0001: ...</c>.</summary>
public sealed record ReportedDiagnostic(string FileName, int Line, string Id);

/// <summary>The diagnostics in a <c>dotnet build</c> log (MSBuild prints each twice; they are deduplicated).</summary>
public sealed partial class BuildOutput(CliResult result)
{
    public CliResult Result { get; } = result;

    public IReadOnlySet<ReportedDiagnostic> Diagnostics { get; } = Parse(result.Output);

    public IEnumerable<ReportedDiagnostic> WithPrefix(string prefix) => Diagnostics.Where(d => d.Id.StartsWith(prefix));

    public override string ToString() => Result.ToString();

    private static HashSet<ReportedDiagnostic> Parse(string output) =>
        DiagnosticLine().Matches(output)
            .Select(m => new ReportedDiagnostic(Path.GetFileName(m.Groups["file"].Value), int.Parse(m.Groups["line"].Value), m.Groups["id"].Value))
            .ToHashSet();

    [GeneratedRegex(@"(?<file>[^\s(][^(\r\n]*?)\((?<line>\d+),\d+\): (?:warning|error) (?<id>[A-Z]+\d+):", RegexOptions.Multiline)]
    private static partial Regex DiagnosticLine();
}
