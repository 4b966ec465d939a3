using Microsoft.CodeAnalysis;

namespace MmSim.Analyzers.Infrastructure;

/// <summary>The runtime's symbols, resolved once per compilation. Absent runtime, absent analysis.</summary>
internal sealed class KnownTypes
{
    private KnownTypes(INamedTypeSymbol pageFlagBit, INamedTypeSymbol page, INamedTypeSymbol folio)
    {
        PageFlagBit = pageFlagBit;
        Page = page;
        Folio = folio;
    }

    /// <summary>MmSim.PageFlags.PageFlagBit: bit numbers of enum pageflags.</summary>
    public INamedTypeSymbol PageFlagBit { get; }

    /// <summary>MmSim.PageFlags.Page: a struct page handle.</summary>
    public INamedTypeSymbol Page { get; }

    /// <summary>MmSim.PageFlags.Folio: a folio handle.</summary>
    public INamedTypeSymbol Folio { get; }

    /// <summary>Whether a value of <paramref name="type"/> is a page or folio handle (nullable or not) that flow facts can be kept on.</summary>
    public bool IsPageOrFolio(ITypeSymbol? type)
    {
        if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable)
            type = nullable.TypeArguments[0];
        return SymbolEqualityComparer.Default.Equals(type, Page) || SymbolEqualityComparer.Default.Equals(type, Folio);
    }

    /// <summary>The runtime's types, or null when the compilation does not reference MmSim.</summary>
    public static KnownTypes? TryCreate(Compilation compilation)
    {
        var pageFlagBit = compilation.GetTypeByMetadataName("MmSim.PageFlags.PageFlagBit");
        var page = compilation.GetTypeByMetadataName("MmSim.PageFlags.Page");
        var folio = compilation.GetTypeByMetadataName("MmSim.PageFlags.Folio");
        return pageFlagBit is null || page is null || folio is null ? null : new KnownTypes(pageFlagBit, page, folio);
    }
}
