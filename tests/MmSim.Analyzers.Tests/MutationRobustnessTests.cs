using System;
using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Xunit;

namespace MmSim.Analyzers.Tests;

/// <summary>
/// Every analyzer over randomly broken versions of the samples (tokens deleted, duplicated, files cut short),
/// as an editor shows them while the user types: no analyzer may throw (AD0001) or hang.
/// </summary>
public sealed class MutationRobustnessTests
{
    private static readonly ImmutableArray<DiagnosticAnalyzer> Analyzers =
        typeof(MmSim.Analyzers.Infrastructure.PageFlowAnalyzer).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t) && t.IsDefined(typeof(DiagnosticAnalyzerAttribute), false))
            .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
            .ToImmutableArray();

    private static readonly string[] Samples = Directory.GetFiles(Path.Combine(RepositoryRoot(), "samples"), "*.cs", SearchOption.AllDirectories)
        .Where(f => f.Contains("AnalyzerTour", StringComparison.Ordinal) && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
        .OrderBy(f => f, StringComparer.Ordinal)
        .ToArray();

    [Fact]
    public void There_are_samples_and_analyzers_to_mutate()
    {
        Assert.True(Samples.Length >= 15, string.Join(", ", Samples));
        Assert.Equal(14, Analyzers.Length);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Mutated_samples_never_make_an_analyzer_throw_or_hang(int batch)
    {
        int broken = 0;
        for (int seed = batch * 25; seed < (batch + 1) * 25; seed++)
        {
            var random = new Random(seed);
            var original = File.ReadAllText(Samples[random.Next(Samples.Length)]);
            string mutated = Mutate(original, random);
            var failures = new ConcurrentQueue<string>();
            var compilation = CSharpCompilation.Create("Mutated",
                [CSharpSyntaxTree.ParseText(mutated, new CSharpParseOptions(LanguageVersion.Latest))],
                [.. Basic.Reference.Assemblies.Net100.References.All, MetadataReference.CreateFromFile(typeof(MmSim.PageFlags.Page).Assembly.Location)],
                new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
            var options = new CompilationWithAnalyzersOptions(new AnalyzerOptions([]),
                (exception, analyzer, _) => failures.Enqueue($"{analyzer.GetType().Name}: {exception.GetType().Name}: {exception.Message}"),
                concurrentAnalysis: true, logAnalyzerExecutionTime: false);
            using var hang = new CancellationTokenSource(TimeSpan.FromSeconds(60));

            var diagnostics = await compilation.WithAnalyzers(Analyzers, options).GetAnalyzerDiagnosticsAsync(hang.Token);

            if (compilation.GetDiagnostics().Any(d => d.Severity == DiagnosticSeverity.Error))
                broken++;
            var thrown = failures.Concat(diagnostics.Where(d => d.Id == "AD0001").Select(d => d.GetMessage())).ToList();
            Assert.True(thrown.Count == 0, $"seed {seed}: {string.Join("; ", thrown)}\n--- mutated source ---\n{mutated}");
        }
        Assert.True(broken >= 15, $"only {broken} of 25 mutations broke the code"); // the test is about broken code
    }

    // One to four edits: delete a run of tokens, duplicate one, or cut the file short.
    private static string Mutate(string source, Random random)
    {
        for (int edits = random.Next(1, 5); edits > 0; edits--)
        {
            var tokens = CSharpSyntaxTree.ParseText(source).GetRoot().DescendantTokens().ToList();
            if (tokens.Count < 2)
                break;
            var token = tokens[random.Next(tokens.Count - 1)];
            var span = token.Span;
            source = random.Next(3) switch
            {
                0 => source.Remove(span.Start, tokens[Math.Min(tokens.Count - 1, tokens.IndexOf(token) + random.Next(3))].Span.End - span.Start),
                1 => source.Insert(span.End, " " + token.Text),
                _ => source[..span.End],
            };
        }
        return source;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Analyzers.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException("Analyzers.sln not found above " + AppContext.BaseDirectory);
    }
}
