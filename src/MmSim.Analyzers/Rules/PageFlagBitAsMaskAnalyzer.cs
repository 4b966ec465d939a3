using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using MmSim.Analyzers.Infrastructure;

namespace MmSim.Analyzers.Rules;

/// <summary>
/// MM0014: a PageFlagBit (a bit number) used as an operand of &amp;, |, ^ or ~, directly or through a
/// cast to an integer. Shifts (<c>1UL &lt;&lt; (int)bit</c>) are how a mask is made and are fine.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class PageFlagBitAsMaskAnalyzer : MmSimDiagnosticAnalyzer
{
    /// <summary>Property set on diagnostics whose cast can be rewritten to Mask().</summary>
    public const string FixableCast = "FixableCast";

    public PageFlagBitAsMaskAnalyzer()
        : base(Descriptors.MM0014_PageFlagBitAsMask)
    {
    }

    private protected override void AnalyzeCompilation(CompilationStartAnalysisContext context, KnownTypes types)
    {
        context.RegisterOperationAction(ctx => AnalyzeBinary(ctx, types), OperationKind.Binary, OperationKind.CompoundAssignment);
        context.RegisterOperationAction(ctx => AnalyzeUnary(ctx, types), OperationKind.Unary);
    }

    private static void AnalyzeBinary(OperationAnalysisContext context, KnownTypes types)
    {
        var (kind, left, right) = context.Operation switch
        {
            IBinaryOperation binary => (binary.OperatorKind, binary.LeftOperand, binary.RightOperand),
            ICompoundAssignmentOperation compound => (compound.OperatorKind, compound.Target, compound.Value),
            _ => (BinaryOperatorKind.None, null, null),
        };
        if (kind is not (BinaryOperatorKind.And or BinaryOperatorKind.Or or BinaryOperatorKind.ExclusiveOr))
            return;
        ReportIfBitNumber(context, left, types);
        ReportIfBitNumber(context, right, types);
    }

    private static void AnalyzeUnary(OperationAnalysisContext context, KnownTypes types)
    {
        if (context.Operation is IUnaryOperation { OperatorKind: UnaryOperatorKind.BitwiseNegation } unary)
            ReportIfBitNumber(context, unary.Operand, types);
    }

    private static void ReportIfBitNumber(OperationAnalysisContext context, IOperation? operand, KnownTypes types)
    {
        // look through parentheses and any implicit conversions the compiler added (enum -> underlying)
        while (operand is IParenthesizedOperation or IConversionOperation { IsImplicit: true })
            operand = operand is IParenthesizedOperation p ? p.Operand : ((IConversionOperation)operand).Operand;
        if (operand is null)
            return;

        if (operand is IConversionOperation { IsImplicit: false } cast &&
            SymbolEqualityComparer.Default.Equals(cast.Operand.Type, types.PageFlagBit) &&
            cast.Type?.SpecialType is >= SpecialType.System_SByte and <= SpecialType.System_UInt64)
        {
            string bit = cast.Operand.Syntax.ToString();
            var properties = System.Collections.Immutable.ImmutableDictionary<string, string?>.Empty.Add(FixableCast, "true");
            context.ReportDiagnostic(Diagnostic.Create(Descriptors.MM0014_PageFlagBitAsMask, cast.Syntax.GetLocation(), properties, cast.Syntax.ToString(), bit + ".Mask()"));
        }
        else if (SymbolEqualityComparer.Default.Equals(operand.Type, types.PageFlagBit))
        {
            string bit = operand.Syntax.ToString();
            context.ReportDiagnostic(Diagnostic.Create(Descriptors.MM0014_PageFlagBitAsMask, operand.Syntax.GetLocation(), bit, bit + ".Mask()"));
        }
    }
}
