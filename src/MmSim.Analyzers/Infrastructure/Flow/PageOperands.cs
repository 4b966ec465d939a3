using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace MmSim.Analyzers.Infrastructure.Flow;

/// <summary>Traces page and folio expressions back to locals and parameters, and finds the page an API call is about.</summary>
internal sealed class PageOperands
{
    private readonly KnownTypes _types;
    private readonly FlowCaptures? _captures;

    public PageOperands(KnownTypes types, FlowCaptures? captures)
    {
        _types = types;
        _captures = captures;
    }

    public KnownTypes Types => _types;

    /// <summary>The local or parameter <paramref name="operation"/> reads, through conversions, captures and same-folio properties.</summary>
    public PageRef? Resolve(IOperation? operation)
    {
        bool sameSubpage = true;
        for (int depth = 0; operation is not null && depth < 32; depth++)
        {
            switch (operation)
            {
                case IConversionOperation conversion:
                    operation = conversion.Operand;
                    break;
                case IParenthesizedOperation parenthesized:
                    operation = parenthesized.Operand;
                    break;
                case IFlowCaptureReferenceOperation reference:
                    operation = _captures?.ValueOf(reference.Id);
                    break;
                case ILocalReferenceOperation local when _types.IsTracked(local.Local.Type):
                    return new PageRef(local.Local, sameSubpage);
                case IParameterReferenceOperation parameter when _types.IsTracked(parameter.Parameter.Type):
                    return new PageRef(parameter.Parameter, sameSubpage);
                case IPropertyReferenceOperation { Instance: { } instance } property when IsSameFolioProperty(property.Property):
                    // Nullable<Page>.Value is the same page; Page.Folio, Page.CompoundHead and Folio.Head are the same folio
                    if (property.Property.ContainingType.OriginalDefinition.SpecialType != SpecialType.System_Nullable_T)
                        sameSubpage = false;
                    operation = instance;
                    break;
                default:
                    return null;
            }
        }
        return null;
    }

    /// <summary>The operation <paramref name="operation"/> stands for, through conversions, parentheses and flow captures.</summary>
    public IOperation? Unwrap(IOperation? operation)
    {
        for (int depth = 0; depth < 32; depth++)
        {
            switch (operation)
            {
                case IConversionOperation conversion:
                    operation = conversion.Operand;
                    break;
                case IParenthesizedOperation parenthesized:
                    operation = parenthesized.Operand;
                    break;
                case IFlowCaptureReferenceOperation reference:
                    operation = _captures?.ValueOf(reference.Id);
                    break;
                default:
                    return operation;
            }
        }
        return null;
    }

    /// <summary>
    /// The page an invocation or property access is about: the receiver of an instance member of Page or
    /// Folio, else the first page or folio argument.
    /// </summary>
    public IOperation? SubjectOf(IOperation operation)
    {
        switch (operation)
        {
            case IPropertyReferenceOperation { Instance: { } instance }:
                return instance;
            case IInvocationOperation { Instance: { } instance } when _types.IsTracked(WithoutConversions(instance).Type):
                // a using's Dispose is called through a conversion to IDisposable
                return instance;
            case IInvocationOperation invocation:
                foreach (var argument in invocation.Arguments)
                {
                    if (_types.IsTracked(argument.Parameter?.Type ?? argument.Value.Type))
                        return argument.Value;
                }
                return null;
            default:
                return null;
        }
    }

    private static IOperation WithoutConversions(IOperation operation)
    {
        while (operation is IConversionOperation conversion)
            operation = conversion.Operand;
        return operation;
    }

    private bool IsSameFolioProperty(IPropertySymbol property) =>
        property.Parameters.IsEmpty &&
        _types.IsTracked(property.Type) &&
        (_types.IsTracked(property.ContainingType) ||
         property.ContainingType.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T);
}
