using Microsoft.CodeAnalysis;

namespace MmSim.Analyzers.Infrastructure.Flow;

/// <summary>
/// What a flow-sensitive rule does: it is shown every operation of a function, in evaluation order, with
/// the facts that hold just before it runs.
/// </summary>
internal abstract class PageFlowVisitor
{
    /// <summary>Whether the function is worth a flow analysis (a cheap scan for the APIs the rule is about).</summary>
    public abstract bool IsRelevant(IOperation operation);

    /// <summary>Inspects <paramref name="operation"/>; <paramref name="function"/> is the method, local function or lambda it is in.</summary>
    public abstract void Visit(IOperation operation, FlowState state, PageOperands operands, ISymbol function);

    /// <summary>Inspects the facts that hold when <paramref name="function"/> returns normally (every return path joined).</summary>
    public virtual void AtExit(FlowState state, ISymbol function)
    {
    }
}
