using Microsoft.CodeAnalysis;

namespace MmSim.Analyzers.Infrastructure;

/// <summary>The runtime's symbols, resolved once per compilation. Absent runtime, absent analysis.</summary>
internal sealed class KnownTypes
{
    private KnownTypes(INamedTypeSymbol pageFlagBit, INamedTypeSymbol page, INamedTypeSymbol folio, INamedTypeSymbol? gupPages,
        INamedTypeSymbol? pte, INamedTypeSymbol? pteKind)
    {
        PageFlagBit = pageFlagBit;
        Page = page;
        Folio = folio;
        GupPages = gupPages;
        Pte = pte;
        PteKind = pteKind;
    }

    /// <summary>MmSim.PageTables.Pte: a page-table entry value.</summary>
    public INamedTypeSymbol? Pte { get; }

    /// <summary>MmSim.PageTables.PteKind: what an entry is.</summary>
    public INamedTypeSymbol? PteKind { get; }

    /// <summary>MmSim.PageFlags.PageFlagBit: bit numbers of enum pageflags.</summary>
    public INamedTypeSymbol PageFlagBit { get; }

    /// <summary>MmSim.PageFlags.Page: a struct page handle.</summary>
    public INamedTypeSymbol Page { get; }

    /// <summary>MmSim.PageFlags.Folio: a folio handle.</summary>
    public INamedTypeSymbol Folio { get; }

    /// <summary>MmSim.GupPages: the references or pins a get_user_pages / pin_user_pages call took.</summary>
    public INamedTypeSymbol? GupPages { get; }

    /// <summary>
    /// Whether flow facts can be kept on a value of <paramref name="type"/>: a page or folio handle (nullable
    /// or not), a GupPages holder of pins, or a page-table entry.
    /// </summary>
    public bool IsTracked(ITypeSymbol? type)
    {
        if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable)
            type = nullable.TypeArguments[0];
        return SymbolEqualityComparer.Default.Equals(type, Page) || SymbolEqualityComparer.Default.Equals(type, Folio) ||
            (GupPages is not null && SymbolEqualityComparer.Default.Equals(type, GupPages)) ||
            (Pte is not null && SymbolEqualityComparer.Default.Equals(type, Pte));
    }

    /// <summary>The runtime's types, or null when the compilation does not reference MmSim.</summary>
    public static KnownTypes? TryCreate(Compilation compilation)
    {
        var pageFlagBit = compilation.GetTypeByMetadataName("MmSim.PageFlags.PageFlagBit");
        var page = compilation.GetTypeByMetadataName("MmSim.PageFlags.Page");
        var folio = compilation.GetTypeByMetadataName("MmSim.PageFlags.Folio");
        return pageFlagBit is null || page is null || folio is null
            ? null
            : new KnownTypes(pageFlagBit, page, folio, compilation.GetTypeByMetadataName("MmSim.GupPages"),
                compilation.GetTypeByMetadataName("MmSim.PageTables.Pte"), compilation.GetTypeByMetadataName("MmSim.PageTables.PteKind"));
    }
}
