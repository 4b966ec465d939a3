using System;
using System.IO;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Diagnostics;
using MmSim.Analyzers.Infrastructure;
using Xunit;

namespace MmSim.Analyzers.Tests;

/// <summary>Every descriptor has a unique id, a docs page, a help link to it, and a release-tracking row.</summary>
public class MetaTests
{
    private static readonly DiagnosticDescriptor[] All = typeof(MmSimDiagnosticAnalyzer).Assembly.GetTypes()
        .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t))
        .SelectMany(t => ((DiagnosticAnalyzer)Activator.CreateInstance(t)!).SupportedDiagnostics)
        .ToArray();

    private static readonly string RepoRoot = FindRepoRoot();

    [Fact]
    public void There_are_rules_and_their_ids_are_unique()
    {
        Assert.NotEmpty(All);
        Assert.Equal(All.Length, All.Select(d => d.Id).Distinct().Count());
        Assert.All(All, d => Assert.Matches("^MM[0-9]{4}$", d.Id));
    }

    [Fact]
    public void Every_help_link_resolves_to_a_rule_page_in_the_repository()
    {
        foreach (var descriptor in All)
        {
            Assert.StartsWith(Descriptors.HelpLinkBase, descriptor.HelpLinkUri);
            string relative = descriptor.HelpLinkUri.Substring(Descriptors.HelpLinkBase.Length);
            string page = Path.Combine(RepoRoot, "docs", "rules", relative);
            Assert.True(File.Exists(page), $"{descriptor.Id}: {page} is missing");
            string text = File.ReadAllText(page);
            Assert.Contains(descriptor.Id, text);
            foreach (string section in new[] { "## Why", "## How to fix", "## Wrong", "## Right" })
                Assert.Contains(section, text);
        }
    }

    [Fact]
    public void Every_rule_has_a_release_tracking_row_with_its_category_and_severity()
    {
        string releases = File.ReadAllText(Path.Combine(RepoRoot, "src", "MmSim.Analyzers", "AnalyzerReleases.Unshipped.md"))
            + File.ReadAllText(Path.Combine(RepoRoot, "src", "MmSim.Analyzers", "AnalyzerReleases.Shipped.md"));
        foreach (var descriptor in All)
            Assert.Matches($@"(?m)^{descriptor.Id} \| {descriptor.Category} \| {descriptor.DefaultSeverity} \|", releases);
    }

    [Fact]
    public void Every_code_fix_supports_fix_all_and_fixes_known_rules()
    {
        var fixes = typeof(MmSim.CodeFixes.Rules.PageFlagBitAsMaskCodeFix).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(CodeFixProvider).IsAssignableFrom(t))
            .Select(t => (CodeFixProvider)Activator.CreateInstance(t)!)
            .ToArray();
        Assert.NotEmpty(fixes);
        foreach (var fix in fixes)
        {
            Assert.NotNull(fix.GetFixAllProvider());
            Assert.All(fix.FixableDiagnosticIds, id => Assert.Contains(All, d => d.Id == id));
            Assert.NotNull(fix.GetType().GetCustomAttribute<ExportCodeFixProviderAttribute>());
        }
    }

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Analyzers.sln")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Analyzers.sln not found above " + AppContext.BaseDirectory);
    }
}
