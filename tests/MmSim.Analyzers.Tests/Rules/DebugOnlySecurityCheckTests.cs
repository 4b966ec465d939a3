using System.Threading.Tasks;
using Xunit;
using Verify = MmSim.Analyzers.Tests.Infrastructure.Verifier<MmSim.Analyzers.Rules.DebugOnlySecurityCheckAnalyzer, MmSim.CodeFixes.Rules.DebugOnlySecurityCheckCodeFix>;

namespace MmSim.Analyzers.Tests.Rules;

/// <summary>MM0012: VM_BUG_ON is not a guard: production builds drop it.</summary>
public class DebugOnlySecurityCheckTests
{
    private const string Usings = """
        using System;
        using MmSim.Contracts;
        using MmSim.Diagnostics;
        using MmSim.PageFlags;
        using MmSim.Rmap;

        """;

    [Fact]
    public async Task An_asserted_exclusivity_before_try_share_becomes_always_on()
    {
        const string source = Usings + """
            class Ksm
            {
                bool WriteProtect(Page page)
                {
                    {|#0:MmBug.VmOn(!page.IsAnonExclusive, page, "not exclusive")|};
                    if (!{|#1:AnonRmap.PageTryShareAnonRmap(page)|})
                        return false;
                    return true;
                }
            }
            """;
        const string fixedSource = Usings + """
            class Ksm
            {
                bool WriteProtect(Page page)
                {
                    MmBug.On(!page.IsAnonExclusive, page, "not exclusive");
                    if (!AnonRmap.PageTryShareAnonRmap(page))
                        return false;
                    return true;
                }
            }
            """;
        await Verify.VerifyCodeFixAsync(source, fixedSource,
            Verify.Diagnostic("MM0012").WithLocation(0).WithLocation(1).WithArguments("VmOn", "PageTryShareAnonRmap", "page"));
    }

    [Fact]
    public async Task Fix_all_covers_an_asserted_pin_state_in_a_helper_a_loop_and_a_branch_with_one_real_path()
    {
        const string source = Usings + """
            static class MyRmap
            {
                [AnonExclusiveHelper]
                public static bool Share(Page page)
                {
                    {|MM0012:MmBug.VmOn(page.Folio.MaybeDmaPinned, page, "pinned")|};
                    page.ClearAnonExclusive();
                    return true;
                }

                public static bool ShareAll(Page[] pages)
                {
                    foreach (var page in pages)
                    {
                        {|MM0012:MmBug.VmOn(!page.IsAnonExclusive, page, "not exclusive")|};
                        if (!AnonRmap.PageTryShareAnonRmap(page))
                            return false;
                    }
                    return true;
                }

                public static bool Split(Page page, bool fast)
                {
                    if (fast)
                    {
                        if (!page.IsAnonExclusive)
                            return false;
                    }
                    else
                    {
                        {|MM0012:MmBug.VmOn(!page.IsAnonExclusive, page, "not exclusive")|};
                    }
                    return AnonRmap.PageTryShareAnonRmap(page);
                }
            }
            """;
        const string fixedSource = Usings + """
            static class MyRmap
            {
                [AnonExclusiveHelper]
                public static bool Share(Page page)
                {
                    MmBug.On(page.Folio.MaybeDmaPinned, page, "pinned");
                    page.ClearAnonExclusive();
                    return true;
                }

                public static bool ShareAll(Page[] pages)
                {
                    foreach (var page in pages)
                    {
                        MmBug.On(!page.IsAnonExclusive, page, "not exclusive");
                        if (!AnonRmap.PageTryShareAnonRmap(page))
                            return false;
                    }
                    return true;
                }

                public static bool Split(Page page, bool fast)
                {
                    if (fast)
                    {
                        if (!page.IsAnonExclusive)
                            return false;
                    }
                    else
                    {
                        MmBug.On(!page.IsAnonExclusive, page, "not exclusive");
                    }
                    return AnonRmap.PageTryShareAnonRmap(page);
                }
            }
            """;
        await Verify.VerifyCodeFixAsync(source, fixedSource);
    }

    [Fact]
    public async Task An_asserted_exclusivity_before_a_write_grant_becomes_always_on()
    {
        const string source = Usings + """
            static class Pgtable
            {
                [GrantsWrite] public static void MkWrite(Page page) { }
            }
            class Wp
            {
                void Reuse(Page page)
                {
                    if (!page.IsAnon)
                        return;
                    {|MM0012:MmBug.VmOn(!page.IsAnonExclusive, page, "wp_page_reuse of a page that is not exclusive")|};
                    Pgtable.MkWrite(page);
                }
            }
            """;
        const string fixedSource = Usings + """
            static class Pgtable
            {
                [GrantsWrite] public static void MkWrite(Page page) { }
            }
            class Wp
            {
                void Reuse(Page page)
                {
                    if (!page.IsAnon)
                        return;
                    MmBug.On(!page.IsAnonExclusive, page, "wp_page_reuse of a page that is not exclusive");
                    Pgtable.MkWrite(page);
                }
            }
            """;
        await Verify.VerifyCodeFixAsync(source, fixedSource);
    }

    [Fact]
    public async Task A_user_debug_check_without_an_always_on_twin_is_reported_without_a_fix_also_in_lambdas()
    {
        const string source = Usings + """
            static class Debug
            {
                [DebugOnlyCheck]
                public static void Expect(bool failed, string why) { }
            }
            class C
            {
                Func<Page, bool> Share() => page =>
                {
                    {|MM0012:Debug.Expect(!page.IsAnonExclusive, "not exclusive")|};
                    var copy = page;
                    return AnonRmap.PageTryShareAnonRmap(copy);
                };
            }
            """;
        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Real_tests_around_the_assertion_and_assertions_that_guard_nothing_are_fine()
    {
        const string source = Usings + """
            static class MyRmap
            {
                // page_try_share_anon_rmap itself: the VM_BUG_ON documents the caller's duty, the pin test is real
                [AnonExclusiveHelper]
                public static bool TryShare(Page page)
                {
                    MmBug.VmOn(!page.IsAnon || !page.IsAnonExclusive, page, "not exclusive anon");
                    if (page.Folio.MaybeDmaPinned)
                        return false;
                    page.ClearAnonExclusive();
                    return true;
                }

                public static bool TestedBefore(Page page)
                {
                    if (!page.IsAnonExclusive)
                        return false;
                    MmBug.VmOn(!page.IsAnonExclusive, page, "not exclusive");
                    return AnonRmap.PageTryShareAnonRmap(page);
                }

                public static bool TestedAfter(Page page)
                {
                    MmBug.VmOn(!page.IsAnonExclusive, page, "not exclusive");
                    if (!page.IsAnonExclusive)
                        return false;
                    return AnonRmap.PageTryShareAnonRmap(page);
                }

                public static void DocumentsAnInvariant(Page page)
                {
                    if (page.IsAnon)
                        MmBug.VmOn(!page.IsAnonExclusive, page, "pinned an anonymous page that is not exclusive");
                }

                public static bool OtherPage(Page page, Page other)
                {
                    MmBug.VmOn(!other.IsAnonExclusive, other, "not exclusive");
                    return page.IsAnonExclusive && AnonRmap.PageTryShareAnonRmap(page);
                }

                public static bool AlwaysOn(Page page)
                {
                    MmBug.On(!page.IsAnonExclusive, page, "not exclusive");
                    return AnonRmap.PageTryShareAnonRmap(page);
                }

                [FreePath]
                public static void Free(Page page)
                {
                    MmBug.VmOn(page.Folio.MaybeDmaPinned, page, "pinned");
                    page.ClearAnonExclusiveForFree();
                }
            }
            """;
        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Generated_code_and_code_without_the_runtime_are_skipped()
    {
        const string generated = """
            // <auto-generated/>
            using MmSim.Diagnostics;
            using MmSim.PageFlags;
            using MmSim.Rmap;
            class C { bool M(Page page) { MmBug.VmOn(!page.IsAnonExclusive, page, "x"); return AnonRmap.PageTryShareAnonRmap(page); } }
            """;
        await Verify.VerifyAnalyzerAsync(generated);
        await Verify.VerifyWithoutRuntimeAsync("class C { void M() { System.Diagnostics.Debug.Assert(true); } }");
    }

    [Fact]
    public async Task Broken_code_does_not_fail_the_analyzer()
    {
        const string source = """
            using MmSim.Diagnostics;
            using MmSim.PageFlags;
            using MmSim.Rmap;
            class C
            {
                bool M(Page page) { MmBug.VmOn(!page.IsAnonExclusive, page); return AnonRmap.PageTryShareAnonRmap(page); }
                bool N(Page page) { MmBug.VmOn(!page.IsAnonExclusive, page, "x"; return AnonRmap.PageTryShareAnonRmap(page); }
                bool O(Page page) { MmBug.VmOn(, page, "x"); return AnonRmap.PageTryShareAnonRmap(missing); }
            }
            """;
        await Verify.VerifyBrokenCodeAsync(source);
    }
}
