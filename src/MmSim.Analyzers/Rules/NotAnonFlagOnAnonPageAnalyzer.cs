using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using MmSim.Analyzers.Infrastructure;
using MmSim.Analyzers.Infrastructure.Flow;

namespace MmSim.Analyzers.Rules;

/// <summary>
/// MM0002: a [NotAnon] flag (PG.MappedToDisk, PG.Checked) passed to a flag accessor, a [NotAnon] method
/// called, or a [NotAnon] parameter given a page, where on some path the page is known to be anonymous.
/// A page of unknown kind is not reported: file-system code would light up everywhere (P5).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class NotAnonFlagOnAnonPageAnalyzer : PageFlowAnalyzer
{
    /// <summary>Property naming the anon-exclusive accessor that may have been meant ("Test" or "Set").</summary>
    public const string AnonExclusiveAccessor = "AnonExclusiveAccessor";

    public NotAnonFlagOnAnonPageAnalyzer()
        : base(Descriptors.MM0002_NotAnonFlagOnAnonPage)
    {
    }

    private protected override PageFlowVisitor CreateVisitor(FlowReportContext context, KnownTypes types) =>
        new Visitor(context, types);

    /// <summary>The page that a not-anon use is made on, and what is used, or null.</summary>
    private static (IOperation Page, string What, IFieldSymbol? Flag)? NotAnonUse(IOperation operation, KnownTypes types)
    {
        if (operation is not IInvocationOperation invocation)
            return null;
        var instance = invocation.Instance is { } receiver && types.IsTracked(receiver.Type) ? receiver : null;
        if (instance is not null && Contracts.Has(invocation.TargetMethod, Contracts.NotAnon))
            return (instance, invocation.TargetMethod.Name, null);
        foreach (var argument in invocation.Arguments)
        {
            var value = argument.Value;
            while (value is IConversionOperation conversion)
                value = conversion.Operand;
            if (instance is not null && value is IFieldReferenceOperation field && Contracts.Has(field.Field, Contracts.NotAnon))
                return (instance, field.Field.Name, field.Field);
            if (Contracts.Has(argument.Parameter, Contracts.NotAnon) && types.IsTracked(argument.Value.Type))
                return (argument.Value, invocation.TargetMethod.Name, null);
        }
        return null;
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

        public override bool IsRelevant(IOperation operation) => NotAnonUse(operation, _types) is not null;

        public override void Visit(IOperation operation, FlowState state, PageOperands operands, ISymbol function)
        {
            if (NotAnonUse(operation, _types) is not { } use || operands.Resolve(use.Page) is not { } page)
                return;
            if (!state.Get(page.Symbol).Anon.MayBeYes())
                return;
            var properties = ImmutableDictionary<string, string?>.Empty;
            var invocation = (IInvocationOperation)operation;
            // page.Test(PG.MappedToDisk) / page.Set(PG.MappedToDisk) on a Page may have meant the anon-exclusive accessor
            if (use.Flag is { Name: "MappedToDisk" } && SymbolEqualityComparer.Default.Equals(use.Page.Type, _types.Page) &&
                invocation.TargetMethod.Name is "Test" or "Set")
                properties = properties.Add(AnonExclusiveAccessor, invocation.TargetMethod.Name);
            _context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.MM0002_NotAnonFlagOnAnonPage,
                operation.Syntax.GetLocation(),
                properties,
                operation.Syntax.ToString(),
                use.What,
                use.Page.Syntax.ToString()));
        }
    }
}
