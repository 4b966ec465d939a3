using System.Threading.Tasks;
using Xunit;
using Verify = MmSim.Analyzers.Tests.Infrastructure.Verifier<MmSim.Analyzers.Rules.TryShareResultIgnoredAnalyzer, MmSim.CodeFixes.Rules.TryShareResultIgnoredCodeFix>;

namespace MmSim.Analyzers.Tests.Rules;

/// <summary>MM0005: a try-share / try-dup failure (-EBUSY) must be handled.</summary>
public class TryShareResultIgnoredTests
{
    private const string Usings = """
        using System;
        using System.Collections.Generic;
        using MmSim.Contracts;
        using MmSim.PageFlags;
        using MmSim.Rmap;

        """;

    [Fact]
    public async Task A_call_used_as_a_statement_gets_a_failure_branch()
    {
        const string source = Usings + """
            class Swap
            {
                void Out(Page page)
                {
                    {|#0:AnonRmap.PageTryShareAnonRmap(page)|};
                }
            }
            """;
        const string fixedSource = Usings + """
            class Swap
            {
                void Out(Page page)
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
            Verify.Diagnostic("MM0005").WithLocation(0).WithArguments("PageTryShareAnonRmap"));
    }

    [Fact]
    public async Task Fix_all_handles_a_discard_in_a_loop_and_an_iterator_and_a_local_function()
    {
        const string source = Usings + """
            class Migrate
            {
                bool All(Page[] pages)
                {
                    foreach (var page in pages)
                        _ = {|MM0005:AnonRmap.PageTryShareAnonRmap(page)|};
                    return true;
                }

                IEnumerable<Page> Shared(Page[] pages)
                {
                    foreach (var page in pages)
                    {
                        {|MM0005:AnonRmap.PageTryShareAnonRmap(page)|};
                        yield return page;
                    }
                }

                int Count(Page page)
                {
                    int Local()
                    {
                        {|MM0005:AnonRmap.PageTryShareAnonRmap(page)|};
                        return 1;
                    }
                    return Local();
                }
            }
            """;
        const string fixedSource = Usings + """
            class Migrate
            {
                bool All(Page[] pages)
                {
                    foreach (var page in pages)
                        if (!AnonRmap.PageTryShareAnonRmap(page))
                        {
                            // the page may be pinned (-EBUSY): restore the entry and fail
                            return false;
                        }
                    return true;
                }

                IEnumerable<Page> Shared(Page[] pages)
                {
                    foreach (var page in pages)
                    {
                        if (!AnonRmap.PageTryShareAnonRmap(page))
                        {
                            // the page may be pinned (-EBUSY): restore the entry and fail
                            yield break;
                        }
                        yield return page;
                    }
                }

                int Count(Page page)
                {
                    int Local()
                    {
                        if (!AnonRmap.PageTryShareAnonRmap(page))
                        {
                            // the page may be pinned (-EBUSY): restore the entry and fail
                            throw new System.InvalidOperationException("the page may be pinned");
                        }
                        return 1;
                    }
                    return Local();
                }
            }
            """;
        await Verify.VerifyCodeFixAsync(source, fixedSource);
    }

    [Fact]
    public async Task A_user_helper_called_in_a_lambda_gets_a_failure_branch()
    {
        const string source = Usings + """
            static class MyRmap
            {
                [MustCheckResult]
                public static bool TryDup(Page page) => !page.Folio.MaybeDmaPinned;
            }
            class Fork
            {
                Action<Page> Copy() => page =>
                {
                    {|MM0005:MyRmap.TryDup(page)|};
                };
            }
            """;
        const string fixedSource = Usings + """
            static class MyRmap
            {
                [MustCheckResult]
                public static bool TryDup(Page page) => !page.Folio.MaybeDmaPinned;
            }
            class Fork
            {
                Action<Page> Copy() => page =>
                {
                    if (!MyRmap.TryDup(page))
                    {
                        // the page may be pinned (-EBUSY): restore the entry and fail
                        return;
                    }
                };
            }
            """;
        await Verify.VerifyCodeFixAsync(source, fixedSource);
    }

    [Fact]
    public async Task A_result_stored_in_a_local_that_is_never_read_is_reported_without_a_fix()
    {
        const string source = Usings + """
            class Fork
            {
                void Stored(Page page)
                {
                    bool ok = {|MM0005:AnonRmap.PageTryShareAnonRmap(page)|};
                    ok = {|MM0005:AnonRmap.PageTryShareAnonRmap(page)|};
                }
            }
            """;
        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Every_use_that_can_change_control_flow_is_accepted()
    {
        const string source = Usings + """
            class C
            {
                private bool _shared;

                bool Branch(Page page)
                {
                    if (!AnonRmap.PageTryShareAnonRmap(page))
                        return false;
                    return true;
                }
                bool Returned(Page page) => AnonRmap.PageTryShareAnonRmap(page);
                bool Freeze(Page page, bool freeze)
                {
                    bool ok = freeze && AnonRmap.PageTryShareAnonRmap(page);
                    return ok;
                }
                void Field(Page page) => _shared = AnonRmap.PageTryShareAnonRmap(page);
                void Argument(Page page) => Console.WriteLine(AnonRmap.PageTryShareAnonRmap(page));
                void Throws(Page page)
                {
                    var ok = AnonRmap.PageTryShareAnonRmap(page);
                    if (!ok)
                        throw new InvalidOperationException("pinned");
                }
                bool Unchecked(Page page) => page.Folio.TryLock();
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
            class C { void M(Page page) { AnonRmap.PageTryShareAnonRmap(page); } }
            """;
        await Verify.VerifyAnalyzerAsync(generated);
        await Verify.VerifyWithoutRuntimeAsync("class C { bool T() => true; void M() { T(); } }");
    }

    [Fact]
    public async Task Broken_code_does_not_fail_the_analyzer()
    {
        const string source = """
            using MmSim.PageFlags;
            using MmSim.Rmap;
            class C
            {
                void M(Page page) { AnonRmap.PageTryShareAnonRmap(page; }
                void N(Page page) { AnonRmap.PageTryShareAnonRmap(page, 1); }
                void O() { AnonRmap.PageTryShareAnonRmap(missing); }
            }
            """;
        await Verify.VerifyBrokenCodeAsync(source);
    }
}
