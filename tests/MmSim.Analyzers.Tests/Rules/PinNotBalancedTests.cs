using System.Threading.Tasks;
using Xunit;
using Verify = MmSim.Analyzers.Tests.Infrastructure.Verifier<MmSim.Analyzers.Rules.PinNotBalancedAnalyzer, MmSim.CodeFixes.Rules.PinNotBalancedCodeFix>;

namespace MmSim.Analyzers.Tests.Rules;

/// <summary>MM0010: a pin is released exactly once, on the page that was pinned (P13).</summary>
public class PinNotBalancedTests
{
    private const string Usings = """
        using System;
        using MmSim;
        using MmSim.Contracts;
        using MmSim.PageFlags;

        static class Gup
        {
            [Pins] public static Page PinPage(Page page) => page;
            [Unpins] public static void UnpinPage(Page page) { }
            [Unpins] public static void UnpinFolio(Folio folio) { }
        }

        """;

    [Fact]
    public async Task A_pin_released_only_on_one_branch_becomes_a_using_declaration()
    {
        const string source = Usings + """
            class Driver
            {
                void Dma(Process process, ulong address, bool done)
                {
                    var {|#0:pins = process.PinUserPages(address, 1, GupFlags.Write)|};
                    if (done)
                        pins.Release();
                }
            }
            """;
        const string fixedSource = Usings + """
            class Driver
            {
                void Dma(Process process, ulong address, bool done)
                {
                    using var pins = process.PinUserPages(address, 1, GupFlags.Write);
                    if (done)
                        pins.Release();
                }
            }
            """;
        await Verify.VerifyCodeFixAsync(source, fixedSource,
            Verify.Diagnostic("MM0010").WithLocation(0).WithArguments("pins", "holds a pin (FOLL_PIN) that is not released on every path"));
    }

    [Fact]
    public async Task Fix_all_covers_an_early_return_a_loop_and_an_exception_path()
    {
        const string source = Usings + """
            class Driver
            {
                int Early(Process process, ulong address)
                {
                    var {|MM0010:pins = process.PinUserPages(address, 1, GupFlags.None)|};
                    if (pins.Count == 0)
                        return 0;
                    pins.Release();
                    return 1;
                }

                void Loop(Process process, ulong[] addresses)
                {
                    foreach (var address in addresses)
                    {
                        var {|MM0010:pins = process.PinUserPages(address, 1, GupFlags.None)|};
                        if (address == 0)
                            continue;
                        pins.Dispose();
                    }
                }

                void Throws(Process process, ulong address)
                {
                    var {|MM0010:pins = process.PinUserPages(address, 1, GupFlags.None)|};
                    try
                    {
                        pins.Release();
                    }
                    catch (InvalidOperationException)
                    {
                        Console.WriteLine("release failed");
                    }
                }
            }
            """;
        const string fixedSource = Usings + """
            class Driver
            {
                int Early(Process process, ulong address)
                {
                    using var pins = process.PinUserPages(address, 1, GupFlags.None);
                    if (pins.Count == 0)
                        return 0;
                    pins.Release();
                    return 1;
                }

                void Loop(Process process, ulong[] addresses)
                {
                    foreach (var address in addresses)
                    {
                        using var pins = process.PinUserPages(address, 1, GupFlags.None);
                        if (address == 0)
                            continue;
                        pins.Dispose();
                    }
                }

                void Throws(Process process, ulong address)
                {
                    using var pins = process.PinUserPages(address, 1, GupFlags.None);
                    try
                    {
                        pins.Release();
                    }
                    catch (InvalidOperationException)
                    {
                        Console.WriteLine("release failed");
                    }
                }
            }
            """;
        await Verify.VerifyCodeFixAsync(source, fixedSource);
    }

    [Fact]
    public async Task Page_pins_double_unpins_another_subpage_and_lambdas_are_reported_without_a_fix()
    {
        const string source = Usings + """
            class IoUring
            {
                void Leak(Page user)
                {
                    var {|MM0010:page = Gup.PinPage(user)|};
                    Console.WriteLine(page.Pfn);
                }

                void Twice(Page user)
                {
                    var page = Gup.PinPage(user);
                    Gup.UnpinPage(page);
                    {|MM0010:Gup.UnpinPage(page)|};
                }

                void Head(Page tail)
                {
                    var page = Gup.PinPage(tail);
                    // 5afb4bf9fc62: pinned the tail, unpinned the head
                    {|#0:Gup.UnpinPage(page.CompoundHead)|};
                }

                Action Later(Page user) => () =>
                {
                    var {|MM0010:page = Gup.PinPage(user)|};
                };
            }
            """;
        await Verify.VerifyAnalyzerAsync(source,
            Verify.Diagnostic("MM0010").WithLocation(0).WithArguments("page.CompoundHead",
                "is another page of the folio than the pinned 'page': unpin the page that was pinned, or the folio"));
    }

    [Fact]
    public async Task Balanced_escaped_and_scoped_pins_are_fine()
    {
        const string source = Usings + """
            class Driver
            {
                private GupPages? _held;

                void Using(Process process, ulong address)
                {
                    using var pins = process.PinUserPages(address, 1, GupFlags.None);
                    Console.WriteLine(pins.Count);
                }

                void Finally(Process process, ulong address)
                {
                    var pins = process.PinUserPages(address, 1, GupFlags.None);
                    try
                    {
                        if (pins.Count == 0)
                            return;
                    }
                    finally
                    {
                        pins.Release();
                    }
                }

                GupPages Returned(Process process, ulong address) => process.PinUserPages(address, 1, GupFlags.None);

                GupPages ReturnedLocal(Process process, ulong address)
                {
                    var pins = process.PinUserPages(address, 1, GupFlags.None);
                    return pins;
                }

                void Stored(Process process, ulong address)
                {
                    var pins = process.PinUserPages(address, 1, GupFlags.None);
                    _held = pins;
                }

                void HandedOver(Process process, ulong address, Action<GupPages> owner)
                {
                    var pins = process.PinUserPages(address, 1, GupFlags.None);
                    owner(pins);
                }

                void Captured(Process process, ulong address)
                {
                    var pins = process.PinUserPages(address, 1, GupFlags.None);
                    Action release = () => pins.Release();
                    release();
                }

                void Folio(Page tail)
                {
                    // follow_trans_huge_pmd pins through the head and hands out the subpage: release through the folio
                    var page = Gup.PinPage(tail);
                    Gup.UnpinFolio(page.Folio);
                }

                void References(Process process, ulong address)
                {
                    var refs = process.GetUserPages(address, 1, GupFlags.None);
                    refs.Release();
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
            using MmSim;
            class C { void M(Process process) { var pins = process.PinUserPages(0, 1, GupFlags.None); } }
            """;
        await Verify.VerifyAnalyzerAsync(generated);
        await Verify.VerifyWithoutRuntimeAsync("class C { }");
    }

    [Fact]
    public async Task Broken_code_does_not_fail_the_analyzer()
    {
        const string source = """
            using MmSim;
            class C
            {
                void M(Process process) { var pins = process.PinUserPages(0, 1; }
                void N(Process process) { var pins = process.PinUserPages(missing, 1, GupFlags.None); }
                void O(Process process) { var pins = process.PinUserPages(0, 1, GupFlags.None); pins.Nope(); }
            }
            """;
        await Verify.VerifyBrokenCodeAsync(source);
    }
}
