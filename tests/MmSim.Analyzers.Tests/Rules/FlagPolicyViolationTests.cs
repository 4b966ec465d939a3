using System.Threading.Tasks;
using Xunit;
using Verify = MmSim.Analyzers.Tests.Infrastructure.Verifier<MmSim.Analyzers.Rules.FlagPolicyViolationAnalyzer, MmSim.CodeFixes.Rules.FlagPolicyViolationCodeFix>;

namespace MmSim.Analyzers.Tests.Rules;

/// <summary>MM0004: each flag through the page its compound policy allows (P6).</summary>
public class FlagPolicyViolationTests
{
    private const string Usings = """
        using System;
        using MmSim.PageFlags;

        """;

    [Fact]
    public async Task Modifying_a_no_tail_flag_through_a_tail_goes_through_the_head()
    {
        const string source = Usings + """
            class C
            {
                void M(Page page)
                {
                    if (page.IsTail)
                        {|#0:page.Set(PG.Locked)|};
                }
            }
            """;
        const string fixedSource = Usings + """
            class C
            {
                void M(Page page)
                {
                    if (page.IsTail)
                        page.CompoundHead.Set(PG.Locked);
                }
            }
            """;
        await Verify.VerifyCodeFixAsync(source, fixedSource,
            Verify.Diagnostic("MM0004").WithLocation(0).WithArguments("page.Set(PG.Locked)", "page",
                "is (or may be) a tail page: PF_NO_TAIL flags are modified through the head only"));
    }

    [Fact]
    public async Task Fix_all_covers_only_head_flags_a_hugetlb_tail_a_loop_and_a_lambda()
    {
        const string source = Usings + """
            class C
            {
                bool Waiters(Page page) => page.IsTail && {|MM0004:page.Test(PG.Waiters)|};

                void Hugetlb(Page page)
                {
                    if (!page.Folio.IsHugetlb || page.IsHead)
                        return;
                    if (page.IsAnon)
                        {|MM0004:page.SetAnonExclusive()|};
                }

                void Loop(Page[] pages)
                {
                    foreach (var page in pages)
                    {
                        if (page.IsHead)
                            continue;
                        if (page.IsTail)
                            {|MM0004:page.Clear(PG.Error)|};
                    }
                }

                Action<Page> Lambda() => page =>
                {
                    var copy = page;
                    if (copy.IsTail)
                        {|MM0004:copy.Clear(PG.Uptodate)|};
                };
            }
            """;
        const string fixedSource = Usings + """
            class C
            {
                bool Waiters(Page page) => page.IsTail && page.CompoundHead.Test(PG.Waiters);

                void Hugetlb(Page page)
                {
                    if (!page.Folio.IsHugetlb || page.IsHead)
                        return;
                    if (page.IsAnon)
                        page.CompoundHead.SetAnonExclusive();
                }

                void Loop(Page[] pages)
                {
                    foreach (var page in pages)
                    {
                        if (page.IsHead)
                            continue;
                        if (page.IsTail)
                            page.CompoundHead.Clear(PG.Error);
                    }
                }

                Action<Page> Lambda() => page =>
                {
                    var copy = page;
                    if (copy.IsTail)
                        copy.CompoundHead.Clear(PG.Uptodate);
                };
            }
            """;
        await Verify.VerifyCodeFixAsync(source, fixedSource);
    }

    [Fact]
    public async Task No_compound_and_second_page_flags_on_the_wrong_page_are_reported_without_a_fix()
    {
        const string source = Usings + """
            class C
            {
                void Reserved(Page page)
                {
                    if (!page.IsHead)
                        return;
                    {|MM0004:page.Set(PG.Reserved)|};
                }

                bool Poisoned(Page page, bool check)
                {
                    if (check && !page.IsHead)
                        Console.WriteLine("small page or tail");
                    return {|MM0004:page.Test(PG.HasHwPoisoned)|};
                }
            }
            """;
        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Legal_accesses_unknown_shapes_and_folio_accessors_are_fine()
    {
        const string source = Usings + """
            class C
            {
                bool TestNoTail(Page page) => page.IsTail && page.Test(PG.Locked);
                void Unknown(Page page) => page.Set(PG.Waiters);
                void Head(Page page)
                {
                    if (page.IsTail)
                        return;
                    page.Set(PG.Locked);
                    page.Set(PG.Waiters);
                }
                void ThroughHead(Page page)
                {
                    if (page.IsTail)
                        page.CompoundHead.Set(PG.Locked);
                }
                void Folio(Page page)
                {
                    if (page.IsTail)
                        page.Folio.Set(PG.Locked);
                }
                void HeadPolicy(Page page)
                {
                    if (page.IsTail)
                        page.Set(PG.Dirty);
                }
                bool Second(Page page) => page.IsHead && page.Test(PG.HasHwPoisoned);
                bool NotHugetlb(Page page) => page.IsTail && !page.IsHugetlb && page.IsAnon && page.IsAnonExclusive;
                bool TestReserved(Page page) => page.IsHead && page.Test(PG.Reserved);
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
            class C { void M(Page page) { if (page.IsTail) page.Set(PG.Locked); } }
            """;
        await Verify.VerifyAnalyzerAsync(generated);
        await Verify.VerifyWithoutRuntimeAsync("class C { }");
    }

    [Fact]
    public async Task Broken_code_does_not_fail_the_analyzer()
    {
        const string source = """
            using MmSim.PageFlags;
            class C
            {
                void M(Page page) { if (page.IsTail) page.Set(PG.Locked; }
                void N(Page page) { if (page.IsTail) page.Set(PG.Nope); }
                void O(Page page) { if (page.IsTail) page.Nope(PG.Locked); }
            }
            """;
        await Verify.VerifyBrokenCodeAsync(source);
    }
}
