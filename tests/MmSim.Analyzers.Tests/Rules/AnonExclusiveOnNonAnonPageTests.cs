using System.Threading.Tasks;
using Xunit;
using Verify = MmSim.Analyzers.Tests.Infrastructure.Verifier<MmSim.Analyzers.Rules.AnonExclusiveOnNonAnonPageAnalyzer, MmSim.CodeFixes.Rules.AnonExclusiveOnNonAnonPageCodeFix>;

namespace MmSim.Analyzers.Tests.Rules;

/// <summary>MM0003: PageAnonExclusive only on anonymous pages; never set or cleared on KSM pages.</summary>
public class AnonExclusiveOnNonAnonPageTests
{
    private const string Usings = """
        using System;
        using MmSim.Contracts;
        using MmSim.Diagnostics;
        using MmSim.PageFlags;

        """;

    [Fact]
    public async Task Testing_exclusivity_of_a_page_proven_not_anon_gets_the_anon_guard()
    {
        const string source = Usings + """
            class C
            {
                bool M(Page page)
                {
                    if (!page.IsAnon)
                        return {|#0:page.IsAnonExclusive|};
                    return false;
                }
            }
            """;
        const string fixedSource = Usings + """
            class C
            {
                bool M(Page page)
                {
                    if (!page.IsAnon)
                        return (page.IsAnon && page.IsAnonExclusive);
                    return false;
                }
            }
            """;
        await Verify.VerifyCodeFixAsync(source, fixedSource,
            Verify.Diagnostic("MM0003").WithLocation(0).WithArguments("IsAnonExclusive", "page", "is not (or may not be) anonymous"));
    }

    [Fact]
    public async Task Fix_all_guards_the_zero_page_and_a_KSM_page()
    {
        const string source = Usings + """
            class C
            {
                void M(Page page, Page merged)
                {
                    if (page.IsZeroPage)
                        {|MM0003:page.SetAnonExclusive()|};
                    if (merged.Folio.IsKsm)
                        {|#0:merged.SetAnonExclusive()|};
                }
            }
            """;
        const string fixedSource = Usings + """
            class C
            {
                void M(Page page, Page merged)
                {
                    if (page.IsZeroPage)
                        if (page.IsAnon)
                        {
                            page.SetAnonExclusive();
                        }
                    if (merged.Folio.IsKsm)
                        if (!merged.IsKsm)
                        {
                            merged.SetAnonExclusive();
                        }
                }
            }
            """;
        await Verify.VerifyCodeFixAsync(source, fixedSource,
            Verify.Diagnostic("MM0003").WithLocation(0).WithArguments("SetAnonExclusive", "merged", "is (or may be) a KSM page, which is never exclusive"));
    }

    [Fact]
    public async Task A_not_anon_parameter_copied_into_a_local_in_a_loop_and_a_join()
    {
        const string source = Usings + """
            class C
            {
                int M([NotAnon] Page file, Page[] pages, Page page, bool check)
                {
                    int n = 0;
                    for (int i = 0; i < 2; i++)
                    {
                        var copy = file;
                        if ({|MM0003:copy.IsAnonExclusive|})
                            n++;
                    }
                    if (check && page.IsAnon)
                        n++;
                    else
                        Console.WriteLine("maybe a page-cache page");
                    {|MM0003:page.ClearAnonExclusive()|};
                    return n;
                }
            }
            """;
        const string fixedSource = Usings + """
            class C
            {
                int M([NotAnon] Page file, Page[] pages, Page page, bool check)
                {
                    int n = 0;
                    for (int i = 0; i < 2; i++)
                    {
                        var copy = file;
                        if ((copy.IsAnon && copy.IsAnonExclusive))
                            n++;
                    }
                    if (check && page.IsAnon)
                        n++;
                    else
                        Console.WriteLine("maybe a page-cache page");
                    if (page.IsAnon)
                    {
                        page.ClearAnonExclusive();
                    }
                    return n;
                }
            }
            """;
        await Verify.VerifyCodeFixAsync(source, fixedSource);
    }

    [Fact]
    public async Task Lambdas_local_functions_and_patterns_are_analysed()
    {
        const string source = Usings + """
            class C
            {
                Func<Page, bool> Lambda() => p => !p.IsAnon && {|MM0003:p.IsAnonExclusive|};

                bool Local(Page page)
                {
                    bool Check(Page p) => p.IsAnon == false && {|MM0003:p.IsAnonExclusive|};
                    return Check(page);
                }

                bool Pattern(Page? maybe) => maybe is { IsAnon: false } file && {|MM0003:file.IsAnonExclusive|};
            }
            """;
        const string fixedSource = Usings + """
            class C
            {
                Func<Page, bool> Lambda() => p => !p.IsAnon && (p.IsAnon && p.IsAnonExclusive);

                bool Local(Page page)
                {
                    bool Check(Page p) => p.IsAnon == false && (p.IsAnon && p.IsAnonExclusive);
                    return Check(page);
                }

                bool Pattern(Page? maybe) => maybe is { IsAnon: false } file && (file.IsAnon && file.IsAnonExclusive);
            }
            """;
        await Verify.VerifyCodeFixAsync(source, fixedSource);
    }

    [Fact]
    public async Task Guarded_unknown_KSM_tests_free_path_and_the_runtime_assertion_shapes_are_fine()
    {
        const string source = Usings + """
            class C
            {
                bool Guarded(Page page) => page.IsAnon && page.IsAnonExclusive;
                bool Unknown(Page page) => page.IsAnonExclusive;
                bool KsmTest(Page page) => page.IsKsm && page.IsAnonExclusive;
                void KsmFree(Page page)
                {
                    if (page.IsKsm)
                        page.ClearAnonExclusiveForFree();
                }
                void Assertion(Page page) => MmBug.VmOn(!page.IsAnon || !page.IsAnonExclusive, page, "not exclusive anon");
                void Thrown(Page page)
                {
                    if (!page.IsAnon)
                        throw new InvalidOperationException("not anon");
                    page.SetAnonExclusive();
                }
                void AlwaysOn(Page page)
                {
                    MmBug.On(!page.IsAnon, page, "not anon");
                    page.SetAnonExclusive();
                }
                void Reassigned(Page page, Page fresh)
                {
                    if (!page.IsAnon)
                        page = fresh;
                    page.SetAnonExclusive();
                }
                void AnonParameter([AnonOnly] Page page) => page.SetAnonExclusive();
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
            class C { bool M(Page page) => !page.IsAnon && page.IsAnonExclusive; }
            """;
        await Verify.VerifyAnalyzerAsync(generated);
        await Verify.VerifyWithoutRuntimeAsync("class C { bool IsAnonExclusive => false; }");
    }

    [Fact]
    public async Task Broken_code_does_not_fail_the_analyzer()
    {
        const string source = """
            using MmSim.PageFlags;
            class C
            {
                bool M(Page page) => !page.IsAnon && page.IsAnonExclusive(;
                bool N(Page page) => !page.IsAnon && page.Missing.IsAnonExclusive;
                void O(Page page) { if (!page.IsAnon) page.SetAnonExclusive(1); }
            }
            """;
        await Verify.VerifyBrokenCodeAsync(source);
    }
}
