using System.Threading.Tasks;
using MmSim.CodeFixes.Rules;
using Xunit;
using Alternative = MmSim.Analyzers.Tests.Infrastructure.AlternativeFixVerifier<MmSim.Analyzers.Rules.NotAnonFlagOnAnonPageAnalyzer, MmSim.CodeFixes.Rules.NotAnonFlagOnAnonPageCodeFix>;
using Verify = MmSim.Analyzers.Tests.Infrastructure.Verifier<MmSim.Analyzers.Rules.NotAnonFlagOnAnonPageAnalyzer, MmSim.CodeFixes.Rules.NotAnonFlagOnAnonPageCodeFix>;

namespace MmSim.Analyzers.Tests.Rules;

/// <summary>MM0002: PG_mappedtodisk is PG_anon_exclusive on an anonymous page.</summary>
public class NotAnonFlagOnAnonPageTests
{
    private const string Usings = """
        using System;
        using MmSim.Contracts;
        using MmSim.PageFlags;

        """;

    [Fact]
    public async Task Setting_mapped_to_disk_on_a_proven_anon_page_switches_to_the_anon_exclusive_setter()
    {
        const string source = Usings + """
            class C
            {
                void M(Page page)
                {
                    if (page.IsAnon)
                        {|MM0002:page.Set(PG.MappedToDisk)|};
                }
            }
            """;
        const string fixedSource = Usings + """
            class C
            {
                void M(Page page)
                {
                    if (page.IsAnon)
                        page.SetAnonExclusive();
                }
            }
            """;
        await Alternative.VerifyCodeFixAsync(source, fixedSource, NotAnonFlagOnAnonPageCodeFix.AccessorKey);
    }

    [Fact]
    public async Task A_test_after_an_early_return_and_in_a_lambda_becomes_IsAnonExclusive()
    {
        const string source = Usings + """
            class C
            {
                bool M(Page page)
                {
                    if (!page.IsAnon)
                        return false;
                    return {|MM0002:page.Test(PG.MappedToDisk)|};
                }

                Func<Page, bool> L() => p => p.IsAnon && {|MM0002:p.Test(PG.MappedToDisk)|};
            }
            """;
        const string fixedSource = Usings + """
            class C
            {
                bool M(Page page)
                {
                    if (!page.IsAnon)
                        return false;
                    return page.IsAnonExclusive;
                }

                Func<Page, bool> L() => p => p.IsAnon && p.IsAnonExclusive;
            }
            """;
        await Alternative.VerifyCodeFixAsync(source, fixedSource, NotAnonFlagOnAnonPageCodeFix.AccessorKey);
    }

    [Fact]
    public async Task An_anon_only_parameter_through_its_folio_gets_a_not_anon_guard()
    {
        const string source = Usings + """
            class C
            {
                void M([AnonOnly] Page page)
                {
                    {|MM0002:page.Folio.Clear(PG.MappedToDisk)|};
                }
            }
            """;
        const string fixedSource = Usings + """
            class C
            {
                void M([AnonOnly] Page page)
                {
                    if (!page.Folio.IsAnon)
                    {
                        page.Folio.Clear(PG.MappedToDisk);
                    }
                }
            }
            """;
        await Verify.VerifyCodeFixAsync(source, fixedSource);
    }

    [Fact]
    public async Task Fix_all_guards_checked_in_a_loop_and_a_copy_into_a_local()
    {
        const string source = Usings + """
            class C
            {
                int M(Page[] pages, Page page)
                {
                    int count = 0;
                    foreach (var p in pages)
                    {
                        if (!p.IsAnon)
                            continue;
                        if ({|MM0002:p.Test(PG.Checked)|})
                            count++;
                    }
                    if (page.IsAnon)
                    {
                        var head = page.CompoundHead;
                        {|MM0002:head.Clear(PG.Checked)|};
                    }
                    return count;
                }
            }
            """;
        const string fixedSource = Usings + """
            class C
            {
                int M(Page[] pages, Page page)
                {
                    int count = 0;
                    foreach (var p in pages)
                    {
                        if (!p.IsAnon)
                            continue;
                        if ((!p.IsAnon && p.Test(PG.Checked)))
                            count++;
                    }
                    if (page.IsAnon)
                    {
                        var head = page.CompoundHead;
                        if (!head.IsAnon)
                        {
                            head.Clear(PG.Checked);
                        }
                    }
                    return count;
                }
            }
            """;
        await Verify.VerifyCodeFixAsync(source, fixedSource);
    }

    [Fact]
    public async Task A_page_declared_by_a_property_pattern_and_a_join_with_an_anon_path_are_reported()
    {
        const string source = Usings + """
            class C
            {
                void M(Page? maybe, Page page, bool swap)
                {
                    if (maybe is { IsAnon: true } anon)
                        {|MM0002:anon.Set(PG.MappedToDisk)|};
                    if (swap && page.IsAnon)
                        Console.WriteLine("swap-backed");
                    {|MM0002:page.Set(PG.MappedToDisk)|};
                }
            }
            """;
        const string fixedSource = Usings + """
            class C
            {
                void M(Page? maybe, Page page, bool swap)
                {
                    if (maybe is { IsAnon: true } anon)
                        if (!anon.IsAnon)
                        {
                            anon.Set(PG.MappedToDisk);
                        }
                    if (swap && page.IsAnon)
                        Console.WriteLine("swap-backed");
                    if (!page.IsAnon)
                    {
                        page.Set(PG.MappedToDisk);
                    }
                }
            }
            """;
        await Verify.VerifyCodeFixAsync(source, fixedSource);
    }

    [Fact]
    public async Task The_message_names_the_call_the_flag_and_the_page()
    {
        const string source = Usings + """
            class C
            {
                bool M(Page page) => page.IsKsm && {|#0:page.Test(PG.MappedToDisk)|};
            }
            """;
        const string fixedSource = Usings + """
            class C
            {
                bool M(Page page) => page.IsKsm && (!page.IsAnon && page.Test(PG.MappedToDisk));
            }
            """;
        await Verify.VerifyCodeFixAsync(source, fixedSource,
            Verify.Diagnostic("MM0002").WithLocation(0).WithArguments("page.Test(PG.MappedToDisk)", "MappedToDisk", "page"));
    }

    [Fact]
    public async Task Pages_of_unknown_or_file_kind_and_other_flags_are_fine()
    {
        const string source = Usings + """
            class C
            {
                void Unknown(Page page) => page.Set(PG.MappedToDisk);
                void Guarded(Page page)
                {
                    if (!page.IsAnon)
                        page.Set(PG.MappedToDisk);
                }
                bool Or(Page page) => page.IsAnon || page.Test(PG.MappedToDisk);
                void Reassigned(Page page, Page other)
                {
                    if (page.IsAnon)
                        page = other;
                    page.Clear(PG.MappedToDisk);
                }
                void OtherFlag(Page page)
                {
                    if (page.IsAnon)
                        page.Set(PG.Dirty);
                }
                void FilePage([NotAnon] Page page) => page.Set(PG.MappedToDisk);
                void OtherPage(Page a, Page b)
                {
                    if (a.IsAnon)
                        b.Set(PG.MappedToDisk);
                }
                void InLambdaOnly(Page page)
                {
                    Func<bool> anon = () => page.IsAnon;
                    if (anon())
                        page.Set(PG.MappedToDisk);
                }
                bool Exclusive(Page page) => page.IsAnon && page.IsAnonExclusive;
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
            class C { void M(Page page) { if (page.IsAnon) page.Set(PG.MappedToDisk); } }
            """;
        await Verify.VerifyAnalyzerAsync(generated);
        await Verify.VerifyWithoutRuntimeAsync("class C { void M() { } }");
    }

    [Fact]
    public async Task Broken_code_does_not_fail_the_analyzer()
    {
        const string source = """
            using MmSim.PageFlags;
            class C
            {
                void M(Page page) { if (page.IsAnon) page.Set(PG.MappedToDisk; }
                void N(Page page) { if (page.IsAnon) page.Set(PG.Nope); }
                void O(Page page) { if (page.IsAnon) page.Set(PG.MappedToDisk, 3); }
            }
            """;
        await Verify.VerifyBrokenCodeAsync(source);
    }
}
