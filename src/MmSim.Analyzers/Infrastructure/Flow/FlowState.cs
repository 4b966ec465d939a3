using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace MmSim.Analyzers.Infrastructure.Flow;

/// <summary>The facts of every tracked local and parameter at one program point; a missing symbol is unknown.</summary>
internal sealed class FlowState
{
    private readonly Dictionary<ISymbol, PageFacts> _facts;

    public FlowState()
    {
        _facts = new Dictionary<ISymbol, PageFacts>(SymbolEqualityComparer.Default);
    }

    private FlowState(Dictionary<ISymbol, PageFacts> facts)
    {
        _facts = new Dictionary<ISymbol, PageFacts>(facts, SymbolEqualityComparer.Default);
    }

    public PageFacts Get(ISymbol symbol) => _facts.TryGetValue(symbol, out var facts) ? facts : PageFacts.Unknown;

    public void Set(ISymbol symbol, PageFacts facts) => _facts[symbol] = facts;

    public FlowState Clone() => new(_facts);

    /// <summary>Merges <paramref name="other"/> into this state; true if anything changed.</summary>
    public bool JoinWith(FlowState other)
    {
        bool changed = false;
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
        return changed;
    }
}
