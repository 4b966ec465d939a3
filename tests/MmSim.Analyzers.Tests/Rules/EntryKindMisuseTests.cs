using System.Threading.Tasks;
using Xunit;
using Verify = MmSim.Analyzers.Tests.Infrastructure.Verifier<MmSim.Analyzers.Rules.EntryKindMisuseAnalyzer, MmSim.CodeFixes.Rules.EntryKindMisuseCodeFix>;

namespace MmSim.Analyzers.Tests.Rules;

/// <summary>MM0013: a page only from a PFN-bearing entry of the right kind; switches over kinds name them all (P15-P17).</summary>
public class EntryKindMisuseTests
{
    private const string Usings = """
        using System;
        using MmSim.Contracts;
        using MmSim.PageTables;

        """;

    [Fact]
    public async Task A_switch_that_misses_kinds_gets_them_spelled_out()
    {
        const string source = Usings + """
            class Fork
            {
                int CopyNonPresent(Pte pte)
                {
                    switch ({|#0:pte.Kind|})
                    {
                        case PteKind.None:
                        case PteKind.Present:
                            return 0;
                        case PteKind.Swap:
                        case PteKind.Migration:
                        case PteKind.DevicePrivate:
                        case PteKind.DeviceExclusive:
                        case PteKind.Marker:
                            return 1;
                    }
                    return 2;
                }
            }
            """;
        const string fixedSource = Usings + """
            class Fork
            {
                int CopyNonPresent(Pte pte)
                {
                    switch (pte.Kind)
                    {
                        case PteKind.None:
                        case PteKind.Present:
                            return 0;
                        case PteKind.Swap:
                        case PteKind.Migration:
                        case PteKind.DevicePrivate:
                        case PteKind.DeviceExclusive:
                        case PteKind.Marker:
                            return 1;
                        case PteKind.HwPoison:
                        case PteKind.SwapinError:
                            // not handled here: decide what these entries mean
                            break;
                    }
                    return 2;
                }
            }
            """;
        await Verify.VerifyCodeFixAsync(source, fixedSource,
            Verify.Diagnostic("MM0013").WithLocation(0).WithArguments("The switch over 'pte.Kind' has no case for HwPoison, SwapinError: decide what each entry kind means here"));
    }

    [Fact]
    public async Task Pfn_reads_on_entries_proven_of_the_wrong_kind_are_reported()
    {
        const string source = Usings + """
            class Mprotect
            {
                long NotPresent(Pte pte)
                {
                    if (pte.IsPresent)
                        return 0;
                    return {|#0:pte.Pfn|};
                }

                long SwapEntry(Pte pte) => pte.Kind == PteKind.Swap ? {|MM0013:pte.EntryPfn|} : 0;

                long Markers(Pte pte)
                {
                    if (pte.Kind is PteKind.Marker or PteKind.SwapinError)
                    {
                        var copy = pte;
                        return {|MM0013:copy.EntryPfn|};
                    }
                    return 0;
                }

                long InLoop(Pte[] entries)
                {
                    long sum = 0;
                    foreach (var entry in entries)
                    {
                        if (entry.Kind != PteKind.Present)
                            sum += {|MM0013:entry.Pfn|};
                    }
                    return sum;
                }

                Func<Pte, long> Lambda() => pte => pte.IsNone ? {|MM0013:pte.EntryPfn|} : 0;
            }
            """;
        await Verify.VerifyAnalyzerAsync(source,
            Verify.Diagnostic("MM0013").WithLocation(0).WithArguments(
                "'Pfn' is used on 'pte', which may be a None or Swap or Migration or DevicePrivate or DeviceExclusive or HwPoison or Marker or SwapinError entry here; it is defined only for Present entries"));
    }

    [Fact]
    public async Task A_user_helper_parameter_with_valid_kinds_and_a_switch_case_are_checked()
    {
        const string source = Usings + """
            static class Swapops
            {
                public static long PfnSwapEntryToPage([ValidForEntryKinds(PteKind.Migration, PteKind.DevicePrivate, PteKind.DeviceExclusive, PteKind.HwPoison)] Pte entry) => entry.EntryPfn;
            }
            class Split
            {
                long M(Pte pte)
                {
                    switch (pte.Kind)
                    {
                        case PteKind.Swap:
                            return {|MM0013:Swapops.PfnSwapEntryToPage(pte)|};
                        default:
                            return 0;
                    }
                }
            }
            """;
        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Right_kinds_untested_entries_and_complete_or_defaulted_switches_are_fine()
    {
        const string source = Usings + """
            class C
            {
                long Present(Pte pte) => pte.IsPresent ? pte.Pfn : 0;
                long Migration(Pte pte) => pte.Kind is PteKind.Migration or PteKind.HwPoison ? pte.EntryPfn : 0;
                long Untested(Pte pte) => pte.Pfn;
                long TableEntry(Pte entry)
                {
                    // upper-level entries are table pointers: "not none" is no evidence against present
                    if (entry.IsNone)
                        return 0;
                    return entry.Pfn;
                }
                long NotSwap(Pte pte)
                {
                    if (pte.Kind == PteKind.Swap)
                        return 0;
                    if (pte.IsPresent)
                        return pte.Pfn;
                    return pte.EntryPfn;
                }
                int Defaulted(Pte pte)
                {
                    switch (pte.Kind)
                    {
                        case PteKind.Present:
                            return 1;
                        default:
                            return 0;
                    }
                }
                int Complete(Pte pte)
                {
                    switch (pte.Kind)
                    {
                        case PteKind.None: return 0;
                        case PteKind.Present: return 1;
                        case PteKind.Swap:
                        case PteKind.Migration:
                        case PteKind.DevicePrivate:
                        case PteKind.DeviceExclusive:
                        case PteKind.HwPoison:
                        case PteKind.Marker:
                        case PteKind.SwapinError:
                            return 2;
                    }
                    return -1;
                }
                int Other(DayOfWeek day)
                {
                    switch (day)
                    {
                        case DayOfWeek.Monday:
                            return 1;
                    }
                    return 0;
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
            using MmSim.PageTables;
            class C { long M(Pte pte) => pte.IsPresent ? 0 : pte.Pfn; void N(Pte pte) { switch (pte.Kind) { case PteKind.None: break; } } }
            """;
        await Verify.VerifyAnalyzerAsync(generated);
        await Verify.VerifyWithoutRuntimeAsync("enum PteKind { None } class C { void M(PteKind k) { switch (k) { } } }");
    }

    [Fact]
    public async Task Broken_code_does_not_fail_the_analyzer()
    {
        const string source = """
            using MmSim.PageTables;
            class C
            {
                long M(Pte pte) => pte.IsPresent ? 0 : pte.Pfn(;
                void N(Pte pte) { switch (pte.Kind) { case PteKind.Nope: break; } }
                void O(Pte pte) { switch (pte.Kind) { case PteKind.None: break }
            }
            """;
        await Verify.VerifyBrokenCodeAsync(source);
    }
}
