using System.Threading.Tasks;
using MmSim.Analyzers.Rules;
using MmSim.CodeFixes.Rules;
using Xunit;
using Verify = MmSim.Analyzers.Tests.Infrastructure.Verifier<MmSim.Analyzers.Rules.PageFlagBitAsMaskAnalyzer, MmSim.CodeFixes.Rules.PageFlagBitAsMaskCodeFix>;

namespace MmSim.Analyzers.Tests.Rules;

/// <summary>MM0014: a bit number is not a mask.</summary>
public class PageFlagBitAsMaskTests
{
    [Fact]
    public async Task A_cast_bit_number_in_an_and_is_rewritten_to_Mask()
    {
        const string source = """
            using MmSim.PageFlags;
            class C
            {
                bool IsDirty(ulong flags) => (flags & {|MM0014:(ulong)PageFlagBit.Dirty|}) != 0;
            }
            """;
        const string fixedSource = """
            using MmSim.PageFlags;
            class C
            {
                bool IsDirty(ulong flags) => (flags & PageFlagBit.Dirty.Mask()) != 0;
            }
            """;
        await Verify.VerifyCodeFixAsync(source, fixedSource);
    }

    [Fact]
    public async Task The_P19_shape_keep_everything_but_anon_exclusive()
    {
        // the v1-era ~(PAGE_FLAGS_CHECK_AT_PREP & ~PG_anon_exclusive), which used the bit number
        const string source = """
            using MmSim.PageFlags;
            class C
            {
                ulong Keep(ulong prep) => ~(prep & ~{|MM0014:(ulong)PageFlagBit.AnonExclusive|});
            }
            """;
        const string fixedSource = """
            using MmSim.PageFlags;
            class C
            {
                ulong Keep(ulong prep) => ~(prep & ~PageFlagBit.AnonExclusive.Mask());
            }
            """;
        await Verify.VerifyCodeFixAsync(source, fixedSource);
    }

    [Fact]
    public async Task Compound_assignments_and_other_integer_types_keep_their_type()
    {
        const string source = """
            using MmSim.PageFlags;
            class C
            {
                void M(ref ulong flags, ref long signed)
                {
                    flags |= {|MM0014:(ulong)PageFlagBit.Locked|};
                    signed ^= {|MM0014:(long)(PageFlagBit.Dirty)|};
                }
            }
            """;
        const string fixedSource = """
            using MmSim.PageFlags;
            class C
            {
                void M(ref ulong flags, ref long signed)
                {
                    flags |= PageFlagBit.Locked.Mask();
                    signed ^= (long)(PageFlagBit.Dirty).Mask();
                }
            }
            """;
        await Verify.VerifyCodeFixAsync(source, fixedSource);
    }

    [Fact]
    public async Task Fix_all_rewrites_every_cast_and_adds_the_using_once()
    {
        const string source = """
            class C
            {
                ulong Both(ulong flags) =>
                    flags & ({|MM0014:(ulong)MmSim.PageFlags.PageFlagBit.Dirty|} | {|MM0014:(ulong)MmSim.PageFlags.PageFlagBit.Lru|});
            }
            """;
        const string fixedSource = """
            using MmSim.PageFlags;

            class C
            {
                ulong Both(ulong flags) =>
                    flags & (MmSim.PageFlags.PageFlagBit.Dirty.Mask() | MmSim.PageFlags.PageFlagBit.Lru.Mask());
            }
            """;
        await Verify.VerifyCodeFixAsync(source, fixedSource);
    }

    [Fact]
    public async Task Bit_numbers_combined_with_each_other_are_reported_without_a_fix()
    {
        const string source = """
            using MmSim.PageFlags;
            class C
            {
                PageFlagBit Both() => {|MM0014:PageFlagBit.Dirty|} | {|MM0014:PageFlagBit.Lru|};
            }
            """;
        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Inside_lambdas_and_local_functions()
    {
        const string source = """
            using System;
            using MmSim.PageFlags;
            class C
            {
                void M()
                {
                    Func<ulong, ulong> clear = f => f & ~{|MM0014:(ulong)PageFlagBit.Referenced|};
                    ulong Local(ulong f) => f | {|MM0014:(ulong)PageFlagBit.Active|};
                    _ = clear(Local(0));
                }
            }
            """;
        const string fixedSource = """
            using System;
            using MmSim.PageFlags;
            class C
            {
                void M()
                {
                    Func<ulong, ulong> clear = f => f & ~PageFlagBit.Referenced.Mask();
                    ulong Local(ulong f) => f | PageFlagBit.Active.Mask();
                    _ = clear(Local(0));
                }
            }
            """;
        await Verify.VerifyCodeFixAsync(source, fixedSource);
    }

    [Fact]
    public async Task Masks_built_by_shift_or_Mask_and_plain_arithmetic_are_fine()
    {
        const string source = """
            using MmSim.PageFlags;
            class C
            {
                ulong A(ulong flags) => flags & (1UL << (int)PageFlagBit.Dirty);
                ulong B(ulong flags) => flags & ~PageFlagBit.AnonExclusive.Mask();
                int Next() => (int)PageFlagBit.HwPoison + 1;
                bool Same(PageFlagBit bit) => bit == PageFlagBit.MappedToDisk;
                ulong Shifted(ulong flags) => flags >> (int)PageFlagBit.Head;
                System.IO.FileAccess Other() => System.IO.FileAccess.Read | System.IO.FileAccess.Write;
            }
            """;
        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task A_look_alike_type_outside_the_runtime_is_not_ours()
    {
        const string source = """
            namespace Other { enum PageFlagBit { Dirty = 3 } }
            class C
            {
                ulong M(ulong flags) => flags & (ulong)Other.PageFlagBit.Dirty;
            }
            """;
        await Verify.VerifyWithoutRuntimeAsync(source);
    }

    [Fact]
    public async Task Generated_code_is_skipped()
    {
        const string source = """
            // <auto-generated/>
            using MmSim.PageFlags;
            class C
            {
                ulong M(ulong flags) => flags & (ulong)PageFlagBit.Dirty;
            }
            """;
        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Broken_code_gets_compiler_errors_and_no_analyzer_failure()
    {
        const string source = """
            using MmSim.PageFlags;
            class C
            {
                ulong M(ulong flags) => flags & (ulong)PageFlagBit.);
                ulong N(ulong flags) => flags | ~PageFlagBit.Nope;
                ulong O(ulong flags) => flags & (ulong)
            }
            """;
        await Verify.VerifyBrokenCodeAsync(source);
    }
}
