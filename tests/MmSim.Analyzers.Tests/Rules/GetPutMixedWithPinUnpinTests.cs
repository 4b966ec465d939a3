using System.Threading.Tasks;
using Xunit;
using Verify = MmSim.Analyzers.Tests.Infrastructure.Verifier<MmSim.Analyzers.Rules.GetPutMixedWithPinUnpinAnalyzer, MmSim.CodeFixes.Rules.GetPutMixedWithPinUnpinCodeFix>;

namespace MmSim.Analyzers.Tests.Rules;

/// <summary>MM0011: put_page for FOLL_GET, unpin_user_page for FOLL_PIN (P14).</summary>
public class GetPutMixedWithPinUnpinTests
{
    private const string Gup = """
        using System;
        using MmSim.Contracts;
        using MmSim.PageFlags;

        static class Gup
        {
            [Pins] public static Page PinPage(Page page) => page;
            [Unpins] public static void UnpinPage(Page page) { }
            [GetsReference] public static Page GetPage(Page page) => page;
            [PutsReference] public static void PutPage(Page page) { }
        }

        """;

    [Fact]
    public async Task A_put_of_a_pinned_page_becomes_an_unpin()
    {
        const string source = Gup + """
            class Driver
            {
                void Dma(Page user)
                {
                    var page = Gup.PinPage(user);
                    {|#0:Gup.PutPage(page)|};
                }
            }
            """;
        const string fixedSource = Gup + """
            class Driver
            {
                void Dma(Page user)
                {
                    var page = Gup.PinPage(user);
                    Gup.UnpinPage(page);
                }
            }
            """;
        await Verify.VerifyCodeFixAsync(source, fixedSource,
            Verify.Diagnostic("MM0011").WithLocation(0).WithArguments("PutPage", "drops a reference of", "page",
                "a FOLL_PIN pin (a put leaves the page looking pinned forever)", "an [Unpins] method"));
    }

    [Fact]
    public async Task Fix_all_covers_an_unpin_of_a_get_a_copy_a_loop_a_finally_a_branch_and_an_early_return()
    {
        const string source = Gup + """
            class Driver
            {
                void Get(Page user)
                {
                    var page = Gup.GetPage(user);
                    var copy = page;
                    {|MM0011:Gup.UnpinPage(copy)|};
                }

                void Loop(Page[] users)
                {
                    foreach (var user in users)
                    {
                        var page = Gup.PinPage(user);
                        try
                        {
                            Console.WriteLine(page);
                        }
                        finally
                        {
                            {|MM0011:Gup.PutPage(page)|};
                        }
                    }
                }

                void Branch(Page user, bool log)
                {
                    var page = Gup.PinPage(user);
                    if (log)
                        Console.WriteLine(page);
                    {|MM0011:Gup.PutPage(page)|};
                }

                void EarlyReturn(Page user, bool fail)
                {
                    var page = Gup.GetPage(user);
                    if (fail)
                    {
                        {|MM0011:Gup.UnpinPage(page)|};
                        return;
                    }
                    Gup.PutPage(page);
                }
            }
            """;
        const string fixedSource = Gup + """
            class Driver
            {
                void Get(Page user)
                {
                    var page = Gup.GetPage(user);
                    var copy = page;
                    Gup.PutPage(copy);
                }

                void Loop(Page[] users)
                {
                    foreach (var user in users)
                    {
                        var page = Gup.PinPage(user);
                        try
                        {
                            Console.WriteLine(page);
                        }
                        finally
                        {
                            Gup.UnpinPage(page);
                        }
                    }
                }

                void Branch(Page user, bool log)
                {
                    var page = Gup.PinPage(user);
                    if (log)
                        Console.WriteLine(page);
                    Gup.UnpinPage(page);
                }

                void EarlyReturn(Page user, bool fail)
                {
                    var page = Gup.GetPage(user);
                    if (fail)
                    {
                        Gup.PutPage(page);
                        return;
                    }
                    Gup.PutPage(page);
                }
            }
            """;
        await Verify.VerifyCodeFixAsync(source, fixedSource);
    }

    [Fact]
    public async Task A_folio_put_of_a_pinned_page_in_a_lambda_is_reported_without_a_fix()
    {
        const string source = Gup + """
            class Driver
            {
                Action<Page> Release() => user =>
                {
                    var page = Gup.PinPage(user);
                    {|MM0011:page.Folio.Put()|};
                };
            }
            """;
        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Matching_releases_both_references_unknown_pages_and_reassignments_are_fine()
    {
        const string source = Gup + """
            class Driver
            {
                void Pin(Page user)
                {
                    var page = Gup.PinPage(user);
                    Gup.UnpinPage(page);
                }

                void Get(Page user)
                {
                    var page = Gup.GetPage(user);
                    Gup.PutPage(page);
                }

                void CopyPresentPte(Page anon)
                {
                    anon.Folio.Get();
                    anon.Folio.Put();
                }

                void Unknown(Page page) => page.Folio.Put();

                void Both(Page user)
                {
                    var page = Gup.PinPage(user);
                    page.Folio.Get();
                    page.Folio.Put();
                    Gup.UnpinPage(page);
                }

                void Reassigned(Page user, Page other)
                {
                    var page = Gup.PinPage(user);
                    Gup.UnpinPage(page);
                    page = other;
                    page.Folio.Put();
                }
            }
            """;
        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Generated_code_and_code_without_the_runtime_are_skipped()
    {
        const string generated = "// <auto-generated/>\n" + Gup + """
            class Driver { void M(Page user) { var page = Gup.PinPage(user); Gup.PutPage(page); } }
            """;
        await Verify.VerifyAnalyzerAsync(generated);
        await Verify.VerifyWithoutRuntimeAsync("class C { }");
    }

    [Fact]
    public async Task Broken_code_does_not_fail_the_analyzer()
    {
        const string source = Gup + """
            class Driver
            {
                void M(Page user) { var page = Gup.PinPage(user); Gup.PutPage(page; }
                void N(Page user) { var page = Gup.PinPage(missing); Gup.PutPage(page); }
            }
            """;
        await Verify.VerifyBrokenCodeAsync(source);
    }
}
