using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace MmSim.Analyzers.Infrastructure.Flow;

/// <summary>
/// A forward data-flow analysis of page facts over a <see cref="ControlFlowGraph"/>: facts are kept per
/// local and parameter, joined by union at merge points, refined on the true and false edges of
/// branches on contract predicates, copied on assignment, and updated by calls to contract methods
/// ([Pins], [Unpins], [GetsReference], [PutsReference], [DebugOnlyCheck], and parameters with
/// [DoesNotReturnIf]). Lambdas and local
/// functions are analysed with their own graphs, starting from unknown facts.
/// </summary>
internal sealed class PageFlowAnalysis
{
    private const int MaxVisitsPerBlock = 32;
    private const string DoesNotReturnIfAttribute = "System.Diagnostics.CodeAnalysis.DoesNotReturnIfAttribute";

    private readonly KnownTypes _types;
    private readonly PageFlowVisitor _visitor;
    private readonly SemanticModel? _model;
    private readonly CancellationToken _cancel;

    private PageFlowAnalysis(KnownTypes types, PageFlowVisitor visitor, SemanticModel? model, CancellationToken cancel)
    {
        _types = types;
        _visitor = visitor;
        _model = model;
        _cancel = cancel;
    }

    /// <summary>Runs <paramref name="visitor"/> over the function body <paramref name="cfg"/> was built from, and its nested functions.</summary>
    public static void Run(ControlFlowGraph cfg, ISymbol function, KnownTypes types, PageFlowVisitor visitor, CancellationToken cancel) =>
        new PageFlowAnalysis(types, visitor, cfg.OriginalOperation.SemanticModel, cancel).Analyze(cfg, function, 0);

    private void Analyze(ControlFlowGraph cfg, ISymbol function, int nesting)
    {
        if (nesting > 8)
            return;
        var captures = new FlowCaptures(cfg);
        var operands = new PageOperands(_types, captures);
        var refiner = new ConditionRefiner(operands);
        var entries = Solve(cfg, function, operands, refiner);

        // nested functions first, so that a rule knows what they capture before it judges this one's exit
        foreach (var localFunction in cfg.LocalFunctions)
            Analyze(cfg.GetLocalFunctionControlFlowGraph(localFunction, _cancel), localFunction, nesting + 1);
        foreach (var block in cfg.Blocks)
        {
            foreach (var lambda in block.Operations.Concat(block.BranchValue is null ? Enumerable.Empty<IOperation>() : new[] { block.BranchValue })
                .SelectMany(o => o.DescendantsAndSelf()).OfType<IFlowAnonymousFunctionOperation>())
                Analyze(cfg.GetAnonymousFunctionControlFlowGraph(lambda, _cancel), lambda.Symbol, nesting + 1);
        }

        foreach (var block in cfg.Blocks)
        {
            _cancel.ThrowIfCancellationRequested();
            if (entries[block.Ordinal] is not { } entry)
                continue;
            var state = entry.Clone();
            foreach (var operation in block.Operations)
                Step(operation, state, operands, refiner, function, visit: true);
            if (block.BranchValue is { } branch)
                Step(branch, state, operands, refiner, function, visit: true);
            if (block.Kind == BasicBlockKind.Exit)
                _visitor.AtExit(state, function);
        }
    }

    /// <summary>The facts at the entry of every block (null: never reached), by a worklist to a fixed point.</summary>
    private FlowState?[] Solve(ControlFlowGraph cfg, ISymbol function, PageOperands operands, ConditionRefiner refiner)
    {
        var blocks = cfg.Blocks;
        var entries = new FlowState?[blocks.Length];
        var visits = new int[blocks.Length];
        var work = new Queue<int>();
        var initial = InitialState(function);
        // a function that takes the PT lock itself is not entered with it held (PT locks are spinlocks, not reentrant)
        if (cfg.OriginalOperation.Descendants().Any(operation => TakesPageTableLock(operation, operands)))
            initial.LockHeld = Evidence.No;
        var handlers = HandlerEntries(cfg);
        foreach (var block in blocks)
        {
            // the entry, and blocks no edge reaches (unreachable code); handlers are reached from their try
            if (block.Ordinal == 0 || (block.Predecessors.IsEmpty && !IsHandlerEntry(handlers, block.Ordinal)))
            {
                entries[block.Ordinal] = initial.Clone();
                work.Enqueue(block.Ordinal);
            }
        }

        while (work.Count > 0)
        {
            _cancel.ThrowIfCancellationRequested();
            int ordinal = work.Dequeue();
            if (++visits[ordinal] > MaxVisitsPerBlock)
                continue;
            var block = blocks[ordinal];
            var state = entries[ordinal]!.Clone();
            foreach (var operation in block.Operations)
                Step(operation, state, operands, refiner, function, visit: false);
            if (block.BranchValue is { } branch)
            {
                Step(branch, state, operands, refiner, function, visit: false);
                if (block.FallThroughSuccessor?.Semantics == ControlFlowBranchSemantics.Return)
                    Escape(state, operands, branch);
            }

            // a catch or finally may start anywhere in its try: it sees every state the try goes through
            if (handlers.TryGetValue(ordinal, out var handlerEntries))
            {
                foreach (int handler in handlerEntries)
                {
                    Propagate(entries, work, handler, entries[ordinal]!);
                    Propagate(entries, work, handler, state);
                }
            }

            var fallThrough = state;
            if (block.ConditionalSuccessor is { Destination: { } conditional } && block.BranchValue is { } condition &&
                block.ConditionKind != ControlFlowConditionKind.None)
            {
                bool jumpsWhen = block.ConditionKind == ControlFlowConditionKind.WhenTrue;
                var taken = state.Clone();
                refiner.Refine(taken, condition, jumpsWhen);
                RunFinally(cfg, block.ConditionalSuccessor, taken, operands, refiner, function);
                Propagate(entries, work, conditional.Ordinal, taken);
                fallThrough = state.Clone();
                refiner.Refine(fallThrough, condition, !jumpsWhen);
            }
            if (block.FallThroughSuccessor is { } successor)
            {
                if (successor.FinallyRegions.Length > 0)
                {
                    fallThrough = fallThrough.Clone();
                    RunFinally(cfg, successor, fallThrough, operands, refiner, function);
                }
                if (successor.Destination is { } next)
                    Propagate(entries, work, next.Ordinal, fallThrough);
                else if (successor.Semantics == ControlFlowBranchSemantics.Return && blocks[blocks.Length - 1] is { Kind: BasicBlockKind.Exit } exit)
                    Propagate(entries, work, exit.Ordinal, fallThrough);
            }
        }
        return entries;
    }

    /// <summary>
    /// A branch that leaves a try runs its finally blocks (a <c>using</c>'s Dispose, a release in <c>finally</c>):
    /// their effects, applied in order, hold after the branch. Branches inside the finally are not followed.
    /// </summary>
    private void RunFinally(ControlFlowGraph cfg, ControlFlowBranch branch, FlowState state, PageOperands operands, ConditionRefiner refiner, ISymbol function)
    {
        foreach (var region in branch.FinallyRegions)
        {
            for (int ordinal = region.FirstBlockOrdinal; ordinal <= region.LastBlockOrdinal; ordinal++)
            {
                var block = cfg.Blocks[ordinal];
                foreach (var operation in block.Operations)
                    Step(operation, state, operands, refiner, function, visit: false);
            }
        }
    }

    /// <summary>For every block inside a try region, the first blocks of the catch and finally handlers of that try.</summary>
    private static Dictionary<int, List<int>> HandlerEntries(ControlFlowGraph cfg)
    {
        var map = new Dictionary<int, List<int>>();
        var pending = new Stack<ControlFlowRegion>();
        pending.Push(cfg.Root);
        while (pending.Count > 0)
        {
            var region = pending.Pop();
            foreach (var nested in region.NestedRegions)
                pending.Push(nested);
            if (region.Kind is not (ControlFlowRegionKind.TryAndCatch or ControlFlowRegionKind.TryAndFinally) || region.NestedRegions.Length < 2)
                continue;
            var tryRegion = region.NestedRegions[0];
            for (int i = 1; i < region.NestedRegions.Length; i++)
            {
                int handler = region.NestedRegions[i].FirstBlockOrdinal;
                for (int ordinal = tryRegion.FirstBlockOrdinal; ordinal <= tryRegion.LastBlockOrdinal; ordinal++)
                {
                    if (!map.TryGetValue(ordinal, out var list))
                        map[ordinal] = list = new List<int>();
                    list.Add(handler);
                }
            }
        }
        return map;
    }

    private static bool IsHandlerEntry(Dictionary<int, List<int>> handlers, int ordinal)
    {
        foreach (var list in handlers.Values)
        {
            if (list.Contains(ordinal))
                return true;
        }
        return false;
    }

    private static void Propagate(FlowState?[] entries, Queue<int> work, int target, FlowState state)
    {
        if (entries[target] is not { } existing)
        {
            entries[target] = state.Clone();
            work.Enqueue(target);
        }
        else if (existing.JoinWith(state))
        {
            work.Enqueue(target);
        }
    }

    /// <summary>Parameters marked [AnonOnly] are anonymous in the body; parameters marked [NotAnon] are not.</summary>
    private FlowState InitialState(ISymbol function)
    {
        var state = new FlowState();
        var parameters = function is IMethodSymbol method ? method.Parameters : ImmutableArray<IParameterSymbol>.Empty;
        foreach (var parameter in parameters)
        {
            if (!_types.IsTracked(parameter.Type))
                continue;
            if (Contracts.Has(parameter, Contracts.AnonOnly))
                state.Set(parameter, PageFacts.Unknown with { Anon = Evidence.Yes });
            else if (Contracts.Has(parameter, Contracts.NotAnon))
                state.Set(parameter, PageFacts.Unknown with { Anon = Evidence.No, WriteSafe = Evidence.Yes });
        }
        return state;
    }

    /// <summary>Shows the visitor each operation of <paramref name="root"/> (when asked), then applies its effects on the facts.</summary>
    private void Step(IOperation root, FlowState state, PageOperands operands, ConditionRefiner refiner, ISymbol function, bool visit)
    {
        // operands before the operation that uses them: the evaluation order, near enough within one statement
        var ordered = root.DescendantsAndSelf().Reverse().ToList();
        foreach (var operation in ordered)
        {
            if (operation is IFlowAnonymousFunctionOperation)
                continue;
            if (visit)
                _visitor.Visit(operation, state, operands, function);
            Transfer(operation, state, operands, refiner);
        }
    }

    private void Transfer(IOperation operation, FlowState state, PageOperands operands, ConditionRefiner refiner)
    {
        switch (operation)
        {
            case ISimpleAssignmentOperation assignment when Written(assignment.Target) is { } target:
                state.Set(target, FactsOf(assignment.Value, state, operands));
                break;
            case ISimpleAssignmentOperation { Target: IFieldReferenceOperation or IPropertyReferenceOperation or IArrayElementReferenceOperation } stored:
                Escape(state, operands, stored.Value);
                break;
            case ISimpleAssignmentOperation { Target: ILocalReferenceOperation { Local.Type.SpecialType: SpecialType.System_Boolean } flag } assignment:
                // the source form: the graph may have split a && or || in the value into blocks
                state.SetCondition(flag.Local, _model?.GetOperation(assignment.Value.Syntax, _cancel) ?? assignment.Value);
                break;
            case IArgumentOperation { Parameter.RefKind: RefKind.Out or RefKind.Ref } argument when Written(argument.Value) is { } byRef:
                state.Set(byRef, PageFacts.Unknown);
                break;
            case IArgumentOperation { Parameter.RefKind: RefKind.Out or RefKind.Ref, Value: ILocalReferenceOperation byRefFlag }:
                state.SetCondition(byRefFlag.Local, null);
                break;
            case ICompoundAssignmentOperation { Target: ILocalReferenceOperation compoundFlag }:
                state.SetCondition(compoundFlag.Local, null);
                break;
            case IIsPatternOperation isPattern:
                DeclarePatternLocals(isPattern, state, operands, refiner);
                break;
            case IInvocationOperation invocation:
                TransferCall(invocation, state, operands, refiner);
                break;
        }
    }

    /// <summary>A tracked value stored or passed where this function cannot follow it: its pins and references are no longer ours to track.</summary>
    private static void Escape(FlowState state, PageOperands operands, IOperation value)
    {
        if (operands.Resolve(value) is { } escaped)
            state.Set(escaped.Symbol, state.Get(escaped.Symbol) with { OwnPin = Evidence.Unknown, OwnReference = Evidence.Unknown });
    }

    private ISymbol? Written(IOperation target) => target switch
    {
        ILocalReferenceOperation local when _types.IsTracked(local.Local.Type) => local.Local,
        IParameterReferenceOperation parameter when _types.IsTracked(parameter.Parameter.Type) => parameter.Parameter,
        _ => null,
    };

    /// <summary>The facts of a value being stored: a copy of a tracked page's facts, or a fresh pin, or nothing known.</summary>
    private static PageFacts FactsOf(IOperation value, FlowState state, PageOperands operands)
    {
        if (operands.Resolve(value) is { } source)
        {
            var facts = state.Get(source.Symbol);
            return source.SameSubpage ? facts : facts.FolioWide;
        }
        var unwrapped = value;
        while (unwrapped is IConversionOperation conversion)
            unwrapped = conversion.Operand;
        if (unwrapped is IInvocationOperation call && Contracts.Has(call.TargetMethod, Contracts.Pins))
            return PageFacts.Unknown with { Pinned = Evidence.Yes, OwnPin = Evidence.Yes };
        if (unwrapped is IInvocationOperation got && Contracts.Has(got.TargetMethod, Contracts.GetsReference))
            return PageFacts.Unknown with { OwnReference = Evidence.Yes };
        if (unwrapped is IInvocationOperation allocated && Contracts.Has(allocated.TargetMethod, Contracts.FreshPage))
            return PageFacts.Unknown with { Fresh = Evidence.Yes };
        return PageFacts.Unknown;
    }

    /// <summary><c>page is { IsAnon: true } anon</c>: the declared local is the input, with what the pattern proves.</summary>
    private static void DeclarePatternLocals(IIsPatternOperation isPattern, FlowState state, PageOperands operands, ConditionRefiner refiner)
    {
        var pattern = isPattern.Pattern;
        while (pattern is INegatedPatternOperation negated)
            pattern = negated.Pattern;
        var declared = pattern switch
        {
            IRecursivePatternOperation recursive => recursive.DeclaredSymbol,
            IDeclarationPatternOperation declaration => declaration.DeclaredSymbol,
            _ => null,
        };
        if (declared is null || !operands.Types.IsTracked((declared as ILocalSymbol)?.Type))
            return;
        if (operands.Resolve(isPattern.Value) is not { } source)
        {
            // AllocFolio(...) is { } folio: what the value itself says (a fresh page, a pin)
            state.Set(declared, FactsOf(isPattern.Value, state, operands));
            return;
        }
        var matched = state.Clone();
        refiner.RefineMatched(matched, isPattern.Value, isPattern.Pattern);
        var facts = matched.Get(source.Symbol);
        state.Set(declared, source.SameSubpage ? facts : facts.FolioWide);
    }

    private void TransferCall(IInvocationOperation invocation, FlowState state, PageOperands operands, ConditionRefiner refiner)
    {
        var method = invocation.TargetMethod;
        if (operands.Resolve(operands.SubjectOf(invocation)) is { } subject)
        {
            // a pin makes the page "maybe pinned"; after an unpin, other pins may remain: unknown
            var facts = state.Get(subject.Symbol);
            if (Contracts.Has(method, Contracts.Pins))
                facts = facts with { Pinned = Evidence.Yes, OwnPin = Evidence.Yes };
            else if (Contracts.Has(method, Contracts.Unpins))
                facts = facts with { Pinned = Evidence.Unknown, OwnPin = Evidence.No };
            else if (Contracts.Has(method, Contracts.GetsReference))
                facts = facts with { OwnReference = Evidence.Yes };
            else if (Contracts.Has(method, Contracts.PutsReference))
                facts = facts with { OwnReference = Evidence.No };
            else if (Contracts.ReleasesAll(method))
                facts = facts with { Pinned = Evidence.Unknown, OwnPin = Evidence.No, OwnReference = Evidence.No };
            if (subject.SameSubpage && Contracts.Has(method, Contracts.SetsAnonExclusive))
                facts = facts with { Exclusive = Evidence.Yes, Anon = Evidence.Yes, WriteSafe = Evidence.Yes };
            else if (subject.SameSubpage && Contracts.Has(method, Contracts.ClearsAnonExclusive))
                facts = facts with { Exclusive = Evidence.No, WriteSafe = Evidence.No };
            state.Set(subject.Symbol, facts);
        }

        // a page handed to code without a reference contract may be released there: we no longer know
        if (!Contracts.IsReferenceContract(method) && !Contracts.ReleasesAll(method))
        {
            foreach (var argument in invocation.Arguments)
                Escape(state, operands, argument.Value);
        }

        if (LockEffect(invocation, operands) is { } held)
            state.LockHeld = held ? Evidence.Yes : Evidence.No;

        bool debugOnly = Contracts.Has(method, Contracts.DebugOnlyCheck);
        foreach (var argument in invocation.Arguments)
        {
            // an omitted optional argument has the whole call as its syntax: nothing to learn from it
            if (argument.ArgumentKind != ArgumentKind.Explicit || argument.Parameter is not { Type.SpecialType: SpecialType.System_Boolean } parameter)
                continue;
            bool? failsWhen = debugOnly ? true : DoesNotReturnIf(parameter);
            if (failsWhen is not { } fails)
                continue;
            // the call returns only if the condition did not hold; read it in its source form, as the graph
            // may have split a || or && into blocks and left only a capture here
            var condition = _model?.GetOperation(argument.Value.Syntax, _cancel) ?? argument.Value;
            refiner.Refine(state, condition, !fails, debugOnly ? invocation : null);
            if (debugOnly)
                break;
        }
    }

    private static bool TakesPageTableLock(IOperation operation, PageOperands operands) => operation switch
    {
        ILockOperation statement => IsPageTableLock(operands.Unwrap(statement.LockedValue)),
        IInvocationOperation call => LockEffect(call, operands) == true,
        _ => false,
    };

    private static bool IsPageTableLock(IOperation? lockObject) => lockObject switch
    {
        IInvocationOperation call => Contracts.Has(call.TargetMethod, Contracts.PageTableLock),
        IPropertyReferenceOperation property => Contracts.Has(property.Property, Contracts.PageTableLock),
        _ => false,
    };

    /// <summary>
    /// True if the call takes the PT lock ([AcquiresPageTableLock], or Monitor.Enter on a [PageTableLock]
    /// object, which is what <c>lock (pageTable.PtLock(slot))</c> lowers to), false if it drops it, else null.
    /// </summary>
    private static bool? LockEffect(IInvocationOperation invocation, PageOperands operands)
    {
        var method = invocation.TargetMethod;
        if (Contracts.Has(method, Contracts.AcquiresPageTableLock))
            return true;
        if (Contracts.Has(method, Contracts.ReleasesPageTableLock))
            return false;
        if (method.Name is not ("Enter" or "Exit") || invocation.Arguments.IsEmpty ||
            method.ContainingType is not { Name: "Monitor", ContainingNamespace: { Name: "Threading", ContainingNamespace: { Name: "System", ContainingNamespace.IsGlobalNamespace: true } } })
            return null;
        return IsPageTableLock(operands.Unwrap(invocation.Arguments[0].Value)) ? method.Name == "Enter" : null;
    }

    private static bool? DoesNotReturnIf(IParameterSymbol parameter)
    {
        foreach (var attribute in parameter.GetAttributes())
        {
            if (attribute.AttributeClass?.ToDisplayString() == DoesNotReturnIfAttribute &&
                attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is bool value)
                return value;
        }
        return null;
    }
}
