using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace MmSim.Analyzers.Infrastructure.Flow;

/// <summary>The facts of every tracked local and parameter at one program point; a missing symbol is unknown.</summary>
internal sealed class FlowState
{
    private readonly Dictionary<ISymbol, PageFacts> _facts;
    private readonly Dictionary<ISymbol, IOperation> _conditions;

    public FlowState()
    {
        _facts = new Dictionary<ISymbol, PageFacts>(SymbolEqualityComparer.Default);
        _conditions = new Dictionary<ISymbol, IOperation>(SymbolEqualityComparer.Default);
    }

    private FlowState(FlowState other)
    {
        LockHeld = other.LockHeld;
        _facts = new Dictionary<ISymbol, PageFacts>(other._facts, SymbolEqualityComparer.Default);
        _conditions = new Dictionary<ISymbol, IOperation>(other._conditions, SymbolEqualityComparer.Default);
    }

    /// <summary>Whether the page-table lock is held here (union over paths); the flow does not tell one PT lock from another.</summary>
    public Evidence LockHeld { get; set; } = Evidence.Unknown;

    public PageFacts Get(ISymbol symbol) => _facts.TryGetValue(symbol, out var facts) ? facts : PageFacts.Unknown;

    public void Set(ISymbol symbol, PageFacts facts) => _facts[symbol] = facts;

    /// <summary>Every symbol with facts recorded.</summary>
    public IEnumerable<KeyValuePair<ISymbol, PageFacts>> Entries => _facts;

    /// <summary>
    /// The condition a boolean local was last assigned (<c>bool exclusive = page.IsAnonExclusive;</c>), so that a
    /// later branch on the local refines like the condition itself, as __split_huge_pmd_locked does.
    /// </summary>
    public IOperation? ConditionOf(ISymbol local) => _conditions.TryGetValue(local, out var condition) ? condition : null;

    public void SetCondition(ISymbol local, IOperation? condition)
    {
        if (condition is null)
            _conditions.Remove(local);
        else
            _conditions[local] = condition;
    }

    public FlowState Clone() => new(this);

    /// <summary>Merges <paramref name="other"/> into this state; true if anything changed.</summary>
    public bool JoinWith(FlowState other)
    {
        bool changed = (LockHeld | other.LockHeld) != LockHeld;
        LockHeld |= other.LockHeld;
        var keys = new HashSet<ISymbol>(_facts.Keys, SymbolEqualityComparer.Default);
        keys.UnionWith(other._facts.Keys);
        foreach (var symbol in keys)
        {
            var mine = Get(symbol);
            var joined = mine.Join(other.Get(symbol));
            if (joined != mine)
            {
                _facts[symbol] = joined;
                changed = true;
            }
        }
        // a boolean local keeps its condition only if every path assigned the same one
        var stale = new List<ISymbol>();
        foreach (var pair in _conditions)
        {
            if (other.ConditionOf(pair.Key) != pair.Value)
                stale.Add(pair.Key);
        }
        foreach (var local in stale)
            _conditions.Remove(local);
        return changed || stale.Count > 0;
    }
}
