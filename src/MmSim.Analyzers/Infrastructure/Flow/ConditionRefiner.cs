using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace MmSim.Analyzers.Infrastructure.Flow;

/// <summary>
/// Learns page facts from a condition known to be true or false: predicate members ([AnonPredicate],
/// [ExclusivePredicate], [MaybePinnedPredicate], [KsmPredicate], [ZeroPagePredicate]), through !, &amp;&amp;, ||,
/// comparisons with true/false and property patterns (<c>page is { IsAnon: true }</c>).
/// </summary>
internal sealed class ConditionRefiner
{
    private const int MaxDepth = 64;
    private readonly PageOperands _operands;

    public ConditionRefiner(PageOperands operands)
    {
        _operands = operands;
    }

    /// <summary>
    /// Refines <paramref name="state"/> with <paramref name="condition"/> == <paramref name="value"/>. With
    /// <paramref name="assumedBy"/> set, the condition comes from a debug-only check and only assumes.
    /// </summary>
    public void Refine(FlowState state, IOperation? condition, bool value, IOperation? assumedBy = null) =>
        Refine(state, condition, value, assumedBy, 0);

    /// <summary>Refines <paramref name="state"/> as if <paramref name="input"/> matched <paramref name="pattern"/>.</summary>
    public void RefineMatched(FlowState state, IOperation input, IPatternOperation pattern) =>
        RefinePattern(state, input, pattern, true, null, 0);

    /// <summary>The contract predicate <paramref name="member"/> implements, if any.</summary>
    public static PredicateKind PredicateOf(ISymbol? member)
    {
        if (member is null)
            return PredicateKind.None;
        if (Contracts.Has(member, Contracts.AnonPredicate))
            return PredicateKind.Anon;
        if (Contracts.Has(member, Contracts.ExclusivePredicate))
            return PredicateKind.Exclusive;
        if (Contracts.Has(member, Contracts.MaybePinnedPredicate))
            return PredicateKind.MaybePinned;
        if (Contracts.Has(member, Contracts.KsmPredicate))
            return PredicateKind.Ksm;
        if (Contracts.Has(member, Contracts.ZeroPagePredicate))
            return PredicateKind.ZeroPage;
        if (Contracts.Has(member, Contracts.TailPredicate))
            return PredicateKind.Tail;
        if (Contracts.Has(member, Contracts.HeadPredicate))
            return PredicateKind.Head;
        if (Contracts.Has(member, Contracts.HugetlbPredicate))
            return PredicateKind.Hugetlb;
        return PredicateKind.None;
    }

    /// <summary>Records that <paramref name="kind"/> is <paramref name="value"/> for the page <paramref name="subject"/> reads.</summary>
    public void Apply(FlowState state, IOperation? subject, PredicateKind kind, bool value, IOperation? assumedBy)
    {
        if (_operands.Resolve(subject) is not { } target)
            return;
        var facts = state.Get(target.Symbol);
        bool assumed = assumedBy is not null;
        switch (kind)
        {
            case PredicateKind.Anon:
                facts = facts with { Anon = facts.Anon.Refine(value, assumed) };
                if (!value)
                    facts = facts with { WriteSafe = facts.WriteSafe.Refine(true, assumed) };
                break;
            case PredicateKind.Exclusive when target.SameSubpage:
                facts = facts with { Exclusive = facts.Exclusive.Refine(value, assumed), WriteSafe = facts.WriteSafe.Refine(value, assumed) };
                if (value)
                    facts = facts with { Anon = facts.Anon.Refine(true, assumed) };
                break;
            case PredicateKind.MaybePinned:
                facts = facts with { Pinned = facts.Pinned.Refine(value, assumed) };
                break;
            case PredicateKind.Ksm:
                facts = facts with { Ksm = facts.Ksm.Refine(value, assumed) };
                if (value)
                    facts = facts with { Anon = facts.Anon.Refine(true, assumed), WriteSafe = facts.WriteSafe.Refine(false, assumed) };
                break;
            case PredicateKind.ZeroPage when value:
                facts = facts with { Anon = facts.Anon.Refine(false, assumed), WriteSafe = facts.WriteSafe.Refine(true, assumed) };
                break;
            case PredicateKind.Tail when target.SameSubpage:
                facts = facts with { Tail = facts.Tail.Refine(value, assumed) };
                if (value)
                    facts = facts with { Head = facts.Head.Refine(false, assumed) };
                break;
            case PredicateKind.Head when target.SameSubpage:
                facts = facts with { Head = facts.Head.Refine(value, assumed) };
                if (value)
                    facts = facts with { Tail = facts.Tail.Refine(false, assumed) };
                break;
            case PredicateKind.Hugetlb:
                facts = facts with { Hugetlb = facts.Hugetlb.Refine(value, assumed) };
                break;
            default:
                return;
        }
        if (assumed)
            facts = facts with { Assumption = assumedBy };
        state.Set(target.Symbol, facts);
    }

    private void Refine(FlowState state, IOperation? condition, bool value, IOperation? assumedBy, int depth)
    {
        if (condition is null || depth > MaxDepth)
            return;
        switch (condition)
        {
            case IConversionOperation conversion:
                Refine(state, conversion.Operand, value, assumedBy, depth + 1);
                break;
            case IParenthesizedOperation parenthesized:
                Refine(state, parenthesized.Operand, value, assumedBy, depth + 1);
                break;
            case IUnaryOperation { OperatorKind: UnaryOperatorKind.Not } not:
                Refine(state, not.Operand, !value, assumedBy, depth + 1);
                break;
            case IBinaryOperation binary:
                RefineBinary(state, binary, value, assumedBy, depth);
                break;
            case IIsPatternOperation isPattern:
                RefinePattern(state, isPattern.Value, isPattern.Pattern, value, assumedBy, depth + 1);
                break;
            case IPropertyReferenceOperation property when Contracts.KindsOf(property.Property, Contracts.EntryKindPredicate) is { } predicateKinds:
                if (property.Instance is { } tested)
                    NarrowKinds(state, tested, predicateKinds, value);
                break;
            case IPropertyReferenceOperation property:
                Apply(state, property.Instance, PredicateOf(property.Property), value, assumedBy);
                break;
            case ILocalReferenceOperation local when state.ConditionOf(local.Local) is { } assigned:
                Refine(state, assigned, value, assumedBy, depth + 1);
                break;
            case IInvocationOperation invocation:
                Apply(state, _operands.SubjectOf(invocation), PredicateOf(invocation.TargetMethod), value, assumedBy);
                break;
        }
    }

    private void RefineBinary(FlowState state, IBinaryOperation binary, bool value, IOperation? assumedBy, int depth)
    {
        switch (binary.OperatorKind)
        {
            // a && b true, or a || b false, fixes both operands; the other outcomes fix neither
            case BinaryOperatorKind.ConditionalAnd or BinaryOperatorKind.And when value:
            case BinaryOperatorKind.ConditionalOr or BinaryOperatorKind.Or when !value:
                Refine(state, binary.LeftOperand, value, assumedBy, depth + 1);
                Refine(state, binary.RightOperand, value, assumedBy, depth + 1);
                break;
            case BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals when EntryKindTest(binary.LeftOperand, binary.RightOperand) is { } kindTest:
                // pte.Kind == PteKind.X (also a switch case on pte.Kind): narrows the entry's kinds
                bool kindEquals = binary.OperatorKind == BinaryOperatorKind.Equals;
                NarrowKinds(state, kindTest.Entry, kindTest.Kinds, value == kindEquals);
                break;
            case BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals:
                bool equals = binary.OperatorKind == BinaryOperatorKind.Equals;
                if (BoolConstant(binary.RightOperand) is { } right)
                    Refine(state, binary.LeftOperand, (value == equals) == right, assumedBy, depth + 1);
                else if (BoolConstant(binary.LeftOperand) is { } left)
                    Refine(state, binary.RightOperand, (value == equals) == left, assumedBy, depth + 1);
                break;
        }
    }

    private void RefinePattern(FlowState state, IOperation input, IPatternOperation pattern, bool matched, IOperation? assumedBy, int depth)
    {
        if (depth > MaxDepth)
            return;
        switch (pattern)
        {
            case INegatedPatternOperation negated:
                RefinePattern(state, input, negated.Pattern, !matched, assumedBy, depth + 1);
                break;
            case IConstantPatternOperation constant when BoolConstant(constant.Value) is { } expected:
                Refine(state, input, matched == expected, assumedBy, depth + 1);
                break;
            case IConstantPatternOperation or IBinaryPatternOperation when EntryKindsOfPattern(pattern) is { } kinds && EntryOfKind(input) is { } entry:
                NarrowKinds(state, entry, kinds, matched);
                break;
            case IRecursivePatternOperation recursive when matched:
                // { IsAnon: true, ... } matched: every subpattern holds; unmatched says nothing about any single one
                foreach (var sub in recursive.PropertySubpatterns)
                {
                    if (sub.Member is IPropertyReferenceOperation member &&
                        sub.Pattern is IConstantPatternOperation subConstant &&
                        BoolConstant(subConstant.Value) is { } subValue)
                        Apply(state, input, PredicateOf(member.Property), subValue, assumedBy);
                }
                break;
        }
    }

    /// <summary><c>entry.Kind</c> compared with a PteKind constant, either way round.</summary>
    private (IOperation Entry, uint Kinds)? EntryKindTest(IOperation left, IOperation right)
    {
        if (EntryOfKind(left) is { } entry && KindConstant(right) is { } kinds)
            return (entry, kinds);
        if (EntryOfKind(right) is { } other && KindConstant(left) is { } otherKinds)
            return (other, otherKinds);
        return null;
    }

    /// <summary>The entry whose kind <paramref name="operation"/> reads: a PteKind property of a tracked value.</summary>
    private IOperation? EntryOfKind(IOperation operation) =>
        _operands.Unwrap(operation) is IPropertyReferenceOperation { Instance: { } instance } property &&
        _operands.Types.PteKind is { } pteKind && SymbolEqualityComparer.Default.Equals(property.Type, pteKind)
            ? instance
            : null;

    private uint? KindConstant(IOperation operation)
    {
        var unwrapped = _operands.Unwrap(operation);
        return unwrapped is not null && _operands.Types.PteKind is { } pteKind &&
            SymbolEqualityComparer.Default.Equals(unwrapped.Type, pteKind) &&
            unwrapped.ConstantValue is { HasValue: true, Value: int value } && value is >= 0 and < 32
            ? 1u << value
            : null;
    }

    /// <summary>The kinds a pattern of PteKind constants joined by <c>or</c> matches.</summary>
    private uint? EntryKindsOfPattern(IPatternOperation pattern) => pattern switch
    {
        IConstantPatternOperation constant => KindConstant(constant.Value),
        IBinaryPatternOperation { OperatorKind: BinaryOperatorKind.Or } either
            when EntryKindsOfPattern(either.LeftPattern) is { } left && EntryKindsOfPattern(either.RightPattern) is { } right => left | right,
        _ => null,
    };

    private void NarrowKinds(FlowState state, IOperation entry, uint kinds, bool within)
    {
        if (_operands.Resolve(entry) is not { } target)
            return;
        state.Set(target.Symbol, state.Get(target.Symbol).WithEntryKindsWithin(within ? kinds : ~kinds));
    }

    private static bool? BoolConstant(IOperation operation) =>
        operation.ConstantValue is { HasValue: true, Value: bool constant } ? constant : null;
}
