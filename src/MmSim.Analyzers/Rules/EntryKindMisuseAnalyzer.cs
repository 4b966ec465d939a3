using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using MmSim.Analyzers.Infrastructure;
using MmSim.Analyzers.Infrastructure.Flow;

namespace MmSim.Analyzers.Rules;

/// <summary>
/// MM0013 (P15-P17), two parts. Flow: a [ValidForEntryKinds] member (<c>Pte.Pfn</c>: present only;
/// <c>Pte.EntryPfn</c>: migration, device, hwpoison) used on an entry whose tests, on every path that made
/// any, left only kinds the member is not defined for (<c>!pte.IsPresent</c> then <c>pte.Pfn</c>;
/// <c>pte.Kind == PteKind.Swap</c> then <c>pte.EntryPfn</c>). An entry nobody tested, or one that may still
/// be of a valid kind, is not reported. Syntax: a switch statement over a PteKind value, without default, that misses kinds.
/// If/else chains whose fall-through is deliberate (fork copies hwpoison entries as they are) are not
/// required to be exhaustive.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class EntryKindMisuseAnalyzer : PageFlowAnalyzer
{
    /// <summary>Property listing the PteKind members a switch misses, comma-separated.</summary>
    public const string MissingKinds = "MissingKinds";

    public EntryKindMisuseAnalyzer()
        : base(Descriptors.MM0013_EntryKindMisuse)
    {
    }

    private protected override PageFlowVisitor CreateVisitor(FlowReportContext context, KnownTypes types) =>
        new Visitor(context, types);

    private protected override (System.Action<OperationAnalysisContext, KnownTypes> Action, OperationKind Kind)? OtherOperationAction =>
        (AnalyzeSwitch, OperationKind.Switch);

    private static void AnalyzeSwitch(OperationAnalysisContext context, KnownTypes types)
    {
        if (types.PteKind is not { } pteKind)
            return;
        var switchOperation = (ISwitchOperation)context.Operation;
        var value = switchOperation.Value;
        while (value is IConversionOperation { IsImplicit: true } conversion)
            value = conversion.Operand;
        if (!SymbolEqualityComparer.Default.Equals(value.Type, pteKind) || BrokenCode.Contains(switchOperation))
            return;
        var covered = new HashSet<object>();
        foreach (var clause in switchOperation.Cases.SelectMany(c => c.Clauses))
        {
            switch (clause)
            {
                case IDefaultCaseClauseOperation:
                    return;
                case ISingleValueCaseClauseOperation { Value.ConstantValue: { HasValue: true, Value: { } constant } }:
                    covered.Add(constant);
                    break;
                default:
                    return; // patterns and relational clauses: not ours to count
            }
        }
        var missing = pteKind.GetMembers().OfType<IFieldSymbol>()
            .Where(f => f.HasConstantValue && f.ConstantValue is { } v && !covered.Contains(v))
            .Select(f => f.Name)
            .ToList();
        if (missing.Count == 0)
            return;
        string names = string.Join(", ", missing);
        context.ReportDiagnostic(Diagnostic.Create(
            Descriptors.MM0013_EntryKindMisuse,
            switchOperation.Value.Syntax.GetLocation(),
            ImmutableDictionary<string, string?>.Empty.Add(MissingKinds, names),
            $"The switch over '{switchOperation.Value.Syntax}' has no case for {names}: decide what each entry kind means here"));
    }

    private sealed class Visitor : PageFlowVisitor
    {
        private readonly FlowReportContext _context;
        private readonly KnownTypes _types;

        public Visitor(FlowReportContext context, KnownTypes types)
        {
            _context = context;
            _types = types;
        }

        public override bool IsRelevant(IOperation operation) => Uses(operation).Any();

        public override void Visit(IOperation operation, FlowState state, PageOperands operands, ISymbol function)
        {
            foreach (var (entry, valid, member) in Uses(operation))
            {
                if (operands.Resolve(entry) is not { } target)
                    continue;
                // only when no path that tested the entry left a valid kind: "not none" says nothing about a
                // table entry being present, so a set that still allows a valid kind is not evidence
                uint possible = state.Get(target.Symbol).EntryKinds & AllKinds();
                uint wrong = possible & ~valid;
                if (wrong == 0 || (possible & valid) != 0)
                    continue;
                _context.ReportDiagnostic(Diagnostic.Create(
                    Descriptors.MM0013_EntryKindMisuse,
                    operation.Syntax.GetLocation(),
                    $"'{member}' is used on '{entry.Syntax}', which may be a {Names(wrong)} entry here; it is defined only for {Names(valid)} entries"));
            }
        }

        /// <summary>The entries <paramref name="operation"/> uses through [ValidForEntryKinds] members or parameters.</summary>
        private static IEnumerable<(IOperation Entry, uint Valid, string Member)> Uses(IOperation operation)
        {
            switch (operation)
            {
                case IPropertyReferenceOperation { Instance: { } instance } property
                    when Contracts.KindsOf(property.Property, Contracts.ValidForEntryKinds) is { } propertyKinds:
                    yield return (instance, propertyKinds, property.Property.Name);
                    break;
                case IInvocationOperation invocation:
                    if (invocation.Instance is { } receiver && Contracts.KindsOf(invocation.TargetMethod, Contracts.ValidForEntryKinds) is { } methodKinds)
                        yield return (receiver, methodKinds, invocation.TargetMethod.Name);
                    foreach (var argument in invocation.Arguments)
                    {
                        if (Contracts.KindsOf(argument.Parameter, Contracts.ValidForEntryKinds) is { } parameterKinds)
                            yield return (argument.Value, parameterKinds, invocation.TargetMethod.Name);
                    }
                    break;
            }
        }

        private uint AllKinds()
        {
            uint all = 0;
            foreach (var value in KindValues())
                all |= 1u << value.Value;
            return all;
        }

        private string Names(uint kinds) =>
            string.Join(" or ", KindValues().Where(v => (kinds & (1u << v.Value)) != 0).Select(v => v.Name));

        private IEnumerable<(string Name, int Value)> KindValues() =>
            _types.PteKind is null
                ? Enumerable.Empty<(string, int)>()
                : _types.PteKind.GetMembers().OfType<IFieldSymbol>()
                    .Where(f => f.ConstantValue is int v && v is >= 0 and < 32)
                    .Select(f => (f.Name, (int)f.ConstantValue!));
    }
}
