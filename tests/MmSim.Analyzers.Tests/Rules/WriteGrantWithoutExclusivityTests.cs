using System.Threading.Tasks;
using Xunit;
using Verify = MmSim.Analyzers.Tests.Infrastructure.Verifier<MmSim.Analyzers.Rules.WriteGrantWithoutExclusivityAnalyzer, MmSim.CodeFixes.Rules.WriteGrantWithoutExclusivityCodeFix>;

namespace MmSim.Analyzers.Tests.Rules;

/// <summary>MM0007: a writable anon mapping needs proven exclusivity, never mapcount (P8).</summary>
public class WriteGrantWithoutExclusivityTests
{
    private const string Usings = """
        using System;
        using MmSim.Contracts;
        using MmSim.PageFlags;
        using MmSim.Physical;

        static class Pgtable
        {
            [GrantsWrite] public static void MkWrite(Page page) { }
            [GrantsWrite] public static void MkWriteFolio(Folio folio) { }
        }

        """;

    [Fact]
    public async Task Reuse_decided_by_mapcount_gets_an_exclusivity_guard()
    {
        const string source = Usings + """
            class Wp
            {
                void Reuse(Page page)
                {
                    if (page.IsAnon && page.MapCount == 1)
                        {|#0:Pgtable.MkWrite(page)|};
                }
            }
            """;
        const string fixedSource = Usings + """
            class Wp
            {
                void Reuse(Page page)
                {
                    if (page.IsAnon && page.MapCount == 1)
                        if (page.IsAnonExclusive)
                        {
                            Pgtable.MkWrite(page);
                        }
                }
            }
            """;
        await Verify.VerifyCodeFixAsync(source, fixedSource,
            Verify.Diagnostic("MM0007").WithLocation(0).WithArguments("MkWrite", "page"));
    }

    [Fact]
    public async Task Fix_all_covers_a_join_a_loop_a_pattern_in_a_lambda_and_a_cleared_page()
    {
        const string source = Usings + """
            class Mprotect
            {
                void Join(Page page, bool fast)
                {
                    if (!page.IsAnon)
                        return;
                    if (fast && !page.IsAnonExclusive)
                        Console.WriteLine("shared");
                    {|MM0007:Pgtable.MkWrite(page)|};
                }

                void Loop(Page[] pages)
                {
                    foreach (var page in pages)
                    {
                        if (page.IsAnon)
                            {|MM0007:Pgtable.MkWrite(page)|};
                    }
                }

                Action<Page> Lambda() => page =>
                {
                    if (page is { IsAnon: true } anon)
                        {|MM0007:Pgtable.MkWrite(anon)|};
                };

                void Cleared([AnonOnly] Page page)
                {
                    page.ClearAnonExclusive();
                    {|MM0007:Pgtable.MkWrite(page)|};
                }
            }
            """;
        const string fixedSource = Usings + """
            class Mprotect
            {
                void Join(Page page, bool fast)
                {
                    if (!page.IsAnon)
                        return;
                    if (fast && !page.IsAnonExclusive)
                        Console.WriteLine("shared");
                    if (page.IsAnonExclusive)
                    {
                        Pgtable.MkWrite(page);
                    }
                }

                void Loop(Page[] pages)
                {
                    foreach (var page in pages)
                    {
                        if (page.IsAnon)
                            if (page.IsAnonExclusive)
                            {
                                Pgtable.MkWrite(page);
                            }
                    }
                }

                Action<Page> Lambda() => page =>
                {
                    if (page is { IsAnon: true } anon)
                        if (anon.IsAnonExclusive)
                        {
                            Pgtable.MkWrite(anon);
                        }
                };

                void Cleared([AnonOnly] Page page)
                {
                    page.ClearAnonExclusive();
                    if (page.IsAnonExclusive)
                    {
                        Pgtable.MkWrite(page);
                    }
                }
            }
            """;
        await Verify.VerifyCodeFixAsync(source, fixedSource);
    }

    [Fact]
    public async Task A_folio_grant_decided_by_refcount_is_reported_without_a_fix()
    {
        const string source = Usings + """
            class C
            {
                void Folio(Folio folio)
                {
                    if (folio.IsAnon && folio.RefCount == 1)
                        {|MM0007:Pgtable.MkWriteFolio(folio)|};
                }
            }
            """;
        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Proven_exclusive_moved_fresh_file_and_unknown_pages_are_fine()
    {
        const string source = Usings + """
            class C
            {
                void Exclusive(Page page)
                {
                    if (page.IsAnon && page.IsAnonExclusive)
                        Pgtable.MkWrite(page);
                }

                void MovedAfterRefcountReuse(Page page)
                {
                    // do_wp_page: refcount 1 under the folio lock, then page_move_anon_rmap sets the flag
                    if (!page.IsAnon || page.RefCount != 1 || !page.Folio.TryLock())
                        return;
                    page.SetAnonExclusive();
                    page.Folio.Unlock();
                    Pgtable.MkWrite(page);
                }

                void Fresh(PhysicalMemory memory)
                {
                    if (memory.AllocFolio(0) is not { } folio)
                        return;
                    Pgtable.MkWriteFolio(folio);
                    Pgtable.MkWrite(folio.Head);
                }

                void File(Page page)
                {
                    if (!page.IsAnon)
                        Pgtable.MkWrite(page);
                }

                void Unknown(Page page) => Pgtable.MkWrite(page);

                void FileParameter([NotAnon] Page page) => Pgtable.MkWrite(page);
            }
            """;
        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Generated_code_and_code_without_the_runtime_are_skipped()
    {
        const string generated = "// <auto-generated/>\n" + Usings + """
            class C { void M(Page page) { if (page.IsAnon) Pgtable.MkWrite(page); } }
            """;
        await Verify.VerifyAnalyzerAsync(generated);
        await Verify.VerifyWithoutRuntimeAsync("class C { }");
    }

    [Fact]
    public async Task Broken_code_does_not_fail_the_analyzer()
    {
        const string source = Usings + """
            class C
            {
                void M(Page page) { if (page.IsAnon) Pgtable.MkWrite(page; }
                void N(Page page) { if (page.IsAnon) Pgtable.MkWrite(missing); }
                void O(Page page) { if (page.IsAnon) Pgtable.Nope(page); }
            }
            """;
        await Verify.VerifyBrokenCodeAsync(source);
    }
}
