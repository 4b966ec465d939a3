using System.Threading.Tasks;
using Xunit;
using Verify = MmSim.Analyzers.Tests.Infrastructure.Verifier<MmSim.Analyzers.Rules.TryShareWithoutExclusivityTestAnalyzer, Microsoft.CodeAnalysis.Testing.EmptyCodeFixProvider>;

namespace MmSim.Analyzers.Tests.Rules;

/// <summary>MM0006: page_try_share_anon_rmap only on a page proven exclusive (P4).</summary>
public class TryShareWithoutExclusivityTestTests
{
    private const string Usings = """
        using System;
        using System.Linq;
        using MmSim.Diagnostics;
        using MmSim.PageFlags;
        using MmSim.Rmap;

        """;

    [Fact]
    public async Task An_unguarded_call_names_the_page()
    {
        const string source = Usings + """
            class Split
            {
                bool Freeze(Page page, bool freeze) => freeze && {|#0:AnonRmap.PageTryShareAnonRmap(page)|};
            }
            """;
        await Verify.VerifyAnalyzerAsync(source,
            Verify.Diagnostic("MM0006").WithLocation(0).WithArguments("PageTryShareAnonRmap", "page"));
    }

    [Fact]
    public async Task Another_subpage_an_inverted_test_a_join_and_a_reassignment_are_reported()
    {
        const string source = Usings + """
            class C
            {
                bool Head(Page page) => page.CompoundHead.IsAnonExclusive && {|MM0006:AnonRmap.PageTryShareAnonRmap(page)|};

                bool Inverted(Page page)
                {
                    if (!page.IsAnonExclusive)
                        return {|MM0006:AnonRmap.PageTryShareAnonRmap(page)|};
                    return false;
                }

                bool Join(Page page, bool fast)
                {
                    if (fast && !page.IsAnonExclusive)
                        return false;
                    return {|MM0006:AnonRmap.PageTryShareAnonRmap(page)|};
                }

                bool Reassigned(Page page, Page other)
                {
                    if (!page.IsAnonExclusive)
                        return false;
                    page = other;
                    return {|MM0006:AnonRmap.PageTryShareAnonRmap(page)|};
                }
            }
            """;
        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Loops_lambdas_local_functions_and_exception_paths_are_analysed()
    {
        const string source = Usings + """
            class C
            {
                bool Loop(Page[] pages)
                {
                    foreach (var page in pages)
                    {
                        if (!{|MM0006:AnonRmap.PageTryShareAnonRmap(page)|})
                            return false;
                    }
                    return true;
                }

                bool Lambda(Page[] pages) => pages.All(p => {|MM0006:AnonRmap.PageTryShareAnonRmap(p)|});

                bool Local(Page page)
                {
                    bool Share(Page p) => {|MM0006:AnonRmap.PageTryShareAnonRmap(p)|};
                    return page.IsAnonExclusive && Share(page);
                }

                bool Catch(Page page)
                {
                    try
                    {
                        if (!page.IsAnonExclusive)
                            return false;
                    }
                    catch (InvalidOperationException)
                    {
                        return {|MM0006:AnonRmap.PageTryShareAnonRmap(page)|};
                    }
                    return AnonRmap.PageTryShareAnonRmap(page);
                }
            }
            """;
        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Proven_exclusivity_in_every_shape_is_fine()
    {
        const string source = Usings + """
            class C
            {
                bool And(Page page) => page.IsAnonExclusive && AnonRmap.PageTryShareAnonRmap(page);

                bool Kernel(Page page, bool freeze)
                {
                    // __split_huge_pmd_locked: anon_exclusive = PageAnonExclusive(page); freeze && anon_exclusive && ...
                    bool anonExclusive = page.IsAnon && page.IsAnonExclusive;
                    return freeze && anonExclusive && AnonRmap.PageTryShareAnonRmap(page);
                }

                bool EarlyReturn(Page page)
                {
                    if (!page.IsAnonExclusive)
                        return false;
                    var copy = page;
                    return AnonRmap.PageTryShareAnonRmap(copy);
                }

                bool AlwaysOn(Page page)
                {
                    MmBug.On(!page.IsAnonExclusive, page, "not exclusive");
                    return AnonRmap.PageTryShareAnonRmap(page);
                }

                bool DebugOnlyIsAnotherRule(Page page)
                {
                    MmBug.VmOn(!page.IsAnonExclusive, page, "not exclusive");
                    return AnonRmap.PageTryShareAnonRmap(page);
                }

                bool Pattern(Page? page) => page is { IsAnonExclusive: true } exclusive && AnonRmap.PageTryShareAnonRmap(exclusive);

                bool Untraceable(Page[] pages) => AnonRmap.PageTryShareAnonRmap(pages[0]);
            }
            """;
        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Generated_code_and_code_without_the_runtime_are_skipped()
    {
        const string generated = """
            // <auto-generated/>
            using MmSim.PageFlags;
            using MmSim.Rmap;
            class C { bool M(Page page) => AnonRmap.PageTryShareAnonRmap(page); }
            """;
        await Verify.VerifyAnalyzerAsync(generated);
        await Verify.VerifyWithoutRuntimeAsync("class C { }");
    }

    [Fact]
    public async Task Broken_code_does_not_fail_the_analyzer()
    {
        const string source = """
            using MmSim.PageFlags;
            using MmSim.Rmap;
            class C
            {
                bool M(Page page) => AnonRmap.PageTryShareAnonRmap(page;
                bool N(Page page) => page.IsAnonExclusive && AnonRmap.PageTryShareAnonRmap(page, page);
                bool O() => AnonRmap.PageTryShareAnonRmap(missing);
            }
            """;
        await Verify.VerifyBrokenCodeAsync(source);
    }
}
