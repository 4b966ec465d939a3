using System.Threading.Tasks;
using Xunit;
using Verify = MmSim.Analyzers.Tests.Infrastructure.Verifier<MmSim.Analyzers.Rules.ClearAnonExclusiveAnalyzer, MmSim.CodeFixes.Rules.ClearAnonExclusiveCodeFix>;

namespace MmSim.Analyzers.Tests.Rules;

/// <summary>MM0001: PG_anon_exclusive is dropped only by the try-share / try-dup helpers, the free path and device-private handling, never while pinned.</summary>
public class ClearAnonExclusiveTests
{
    private const string Usings = """
        using System;
        using MmSim.Contracts;
        using MmSim.PageFlags;
        using MmSim.Rmap;

        """;

    [Fact]
    public async Task A_direct_clear_in_ordinary_code_becomes_the_try_share_pattern()
    {
        const string source = Usings + """
            class Zap
            {
                void Unmap(Page page)
                {
                    {|#0:page.ClearAnonExclusive()|};
                }
            }
            """;
        const string fixedSource = Usings + """
            class Zap
            {
                void Unmap(Page page)
                {
                    if (!AnonRmap.PageTryShareAnonRmap(page))
                    {
                        // the page may be pinned (-EBUSY): restore the entry and fail
                        return;
                    }
                }
            }
            """;
        await Verify.VerifyCodeFixAsync(source, fixedSource,
            Verify.Diagnostic("MM0001").WithLocation(0).WithArguments("ClearAnonExclusive", "page", "outside the try-share / try-dup helpers, the free path and device-private handling"));
    }

    [Fact]
    public async Task Fix_all_rewrites_clears_in_a_loop_and_on_an_early_return_path_and_keeps_the_return_type()
    {
        const string source = """
            using MmSim.PageFlags;
            class Swap
            {
                bool Unmap(Page[] pages, Page last, bool early)
                {
                    foreach (var page in pages)
                        {|MM0001:page.ClearAnonExclusive()|};
                    if (early)
                    {
                        {|MM0001:last.ClearAnonExclusive()|};
                        return true;
                    }
                    return false;
                }
            }
            """;
        const string fixedSource = """
            using MmSim.PageFlags;
            class Swap
            {
                bool Unmap(Page[] pages, Page last, bool early)
                {
                    foreach (var page in pages)
                        if (!MmSim.Rmap.AnonRmap.PageTryShareAnonRmap(page))
                        {
                            // the page may be pinned (-EBUSY): restore the entry and fail
                            return false;
                        }
                    if (early)
                    {
                        if (!MmSim.Rmap.AnonRmap.PageTryShareAnonRmap(last))
                        {
                            // the page may be pinned (-EBUSY): restore the entry and fail
                            return false;
                        }
                        return true;
                    }
                    return false;
                }
            }
            """;
        await Verify.VerifyCodeFixAsync(source, fixedSource);
    }

    [Fact]
    public async Task Clears_in_lambdas_local_functions_and_exception_paths_are_reported()
    {
        const string source = Usings + """
            class Cleanup
            {
                void M(Page page, Page other)
                {
                    bool Local()
                    {
                        {|MM0001:other.ClearAnonExclusive()|};
                        return true;
                    }
                    try
                    {
                        Local();
                    }
                    catch (InvalidOperationException)
                    {
                        {|MM0001:page.ClearAnonExclusive()|};
                    }
                }
            }
            """;
        const string fixedSource = Usings + """
            class Cleanup
            {
                void M(Page page, Page other)
                {
                    bool Local()
                    {
                        if (!AnonRmap.PageTryShareAnonRmap(other))
                        {
                            // the page may be pinned (-EBUSY): restore the entry and fail
                            return false;
                        }
                        return true;
                    }
                    try
                    {
                        Local();
                    }
                    catch (InvalidOperationException)
                    {
                        if (!AnonRmap.PageTryShareAnonRmap(page))
                        {
                            // the page may be pinned (-EBUSY): restore the entry and fail
                            return;
                        }
                    }
                }
            }
            """;
        await Verify.VerifyCodeFixAsync(source, fixedSource);
    }

    [Fact]
    public async Task An_expression_bodied_lambda_is_reported_without_a_fix()
    {
        const string source = Usings + """
            class Cleanup
            {
                Action Later(Page page) => () => {|MM0001:page.ClearAnonExclusive()|};
            }
            """;
        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task A_user_helper_marked_as_clearing_is_checked_like_the_runtime_accessor()
    {
        const string source = Usings + """
            static class MyRmap
            {
                [ClearsAnonExclusive]
                public static void DropExclusive(Page page) => page.ClearAnonExclusive();
            }
            class Munmap
            {
                void M(Page page) => {|MM0001:MyRmap.DropExclusive(page)|};
            }
            """;
        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Inside_a_helper_a_page_pinned_through_a_copy_into_a_local_may_not_lose_exclusivity()
    {
        const string source = Usings + """
            static class Driver
            {
                [Pins]
                public static Page Pin(Page page) => page;
            }
            static class MyRmap
            {
                [AnonExclusiveHelper]
                public static bool Share(Page page)
                {
                    var pinned = Driver.Pin(page);
                    var copy = pinned;
                    {|#0:copy.ClearAnonExclusive()|};
                    return true;
                }
            }
            """;
        await Verify.VerifyAnalyzerAsync(source,
            Verify.Diagnostic("MM0001").WithLocation(0).WithArguments("ClearAnonExclusive", "copy", "while it may be pinned"));
    }

    [Fact]
    public async Task Inside_a_helper_the_maybe_pinned_branch_and_a_join_after_it_are_reported()
    {
        const string source = Usings + """
            static class MyRmap
            {
                [AnonExclusiveHelper]
                public static bool Inverted(Page page)
                {
                    if (page.Folio.MaybeDmaPinned)
                    {
                        {|MM0001:page.ClearAnonExclusive()|};
                        return true;
                    }
                    return false;
                }

                [AnonExclusiveHelper]
                public static bool Joined(Page page, bool check)
                {
                    if (check && !page.Folio.MaybeDmaPinned)
                        return false;
                    {|MM0001:page.ClearAnonExclusive()|};
                    return true;
                }

                [AnonExclusiveHelper]
                public static bool InLoop(Page[] pages)
                {
                    foreach (var page in pages)
                    {
                        if (!page.Folio.MaybeDmaPinned)
                            continue;
                        {|MM0001:page.ClearAnonExclusive()|};
                    }
                    return true;
                }
            }
            """;
        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task The_try_share_pattern_the_free_path_and_device_private_handling_are_fine()
    {
        const string source = Usings + """
            static class MyRmap
            {
                [AnonExclusiveHelper]
                public static bool TryShare(Page page)
                {
                    if (page.Folio.MaybeDmaPinned)
                        return false;
                    page.ClearAnonExclusive();
                    return true;
                }

                [AnonExclusiveHelper]
                public static bool TryShareAll(Page[] pages)
                {
                    foreach (var page in pages)
                    {
                        var folio = page.Folio;
                        if (page.Folio.MaybeDmaPinned || !page.IsAnon)
                            return false;
                        page.ClearAnonExclusive();
                    }
                    return true;
                }

                [FreePath]
                public static void Free(Page page) => page.ClearAnonExclusive();

                [DevicePrivatePath]
                public static void CopyDevicePrivate(Page page) => page.ClearAnonExclusive();

                [ClearsAnonExclusive]
                public static void DropExclusive(Page page) => page.ClearAnonExclusive();

                public static void FreeAnywhere(Page page) => page.ClearAnonExclusiveForFree();
            }
            """;
        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Unknown_pin_state_in_a_helper_and_a_pin_overwritten_before_the_clear_are_silent()
    {
        const string source = Usings + """
            static class Driver
            {
                [Pins]
                public static Page Pin(Page page) => page;
                public static bool MustCopy(Page page) => page.RefCount > 1;
            }
            static class MyRmap
            {
                [AnonExclusiveHelper]
                public static bool TryDup(Page page)
                {
                    // like page_try_dup_anon_rmap: the pin test is inside another helper, so the state is unknown
                    if (Driver.MustCopy(page))
                        return false;
                    if (page.IsAnonExclusive)
                        page.ClearAnonExclusive();
                    return true;
                }

                [AnonExclusiveHelper]
                public static bool Reassigned(Page page, Page fresh)
                {
                    var target = Driver.Pin(page);
                    target = fresh;
                    target.ClearAnonExclusive();
                    return true;
                }

                [AnonExclusiveHelper]
                public static bool InLambda(Page[] pages)
                {
                    Action<Page> share = p =>
                    {
                        if (!p.Folio.MaybeDmaPinned)
                            p.ClearAnonExclusive();
                    };
                    foreach (var page in pages)
                        share(page);
                    return true;
                }
            }
            """;
        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Without_the_runtime_nothing_is_reported()
    {
        const string source = """
            namespace MmSim.PageFlags { struct Page { public void ClearAnonExclusive() { } } }
            class C { void M(MmSim.PageFlags.Page page) => page.ClearAnonExclusive(); }
            """;
        await Verify.VerifyWithoutRuntimeAsync(source);
    }

    [Fact]
    public async Task Generated_code_is_skipped()
    {
        const string source = """
            // <auto-generated/>
            using MmSim.PageFlags;
            class C { void M(Page page) => page.ClearAnonExclusive(); }
            """;
        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Broken_code_does_not_fail_the_analyzer()
    {
        const string source = """
            using MmSim.PageFlags;
            class C
            {
                void M(Page page) { page.ClearAnonExclusive(; if (page.Folio.MaybeDmaPinned) page.Nope(); }
                void N(Page page) => page.ClearAnonExclusive(undefined);
                void O(Page page) { foreach (var p in missing) p.ClearAnonExclusive(); }
            }
            """;
        await Verify.VerifyBrokenCodeAsync(source);
    }
}
