using Microsoft.CodeAnalysis;

namespace MmSim.Analyzers.Infrastructure;

/// <summary>The runtime's symbols, resolved once per compilation. Absent runtime, absent analysis.</summary>
internal sealed class KnownTypes
{
    private KnownTypes(INamedTypeSymbol pageFlagBit)
    {
        PageFlagBit = pageFlagBit;
    }

    /// <summary>MmSim.PageFlags.PageFlagBit: bit numbers of enum pageflags.</summary>
    public INamedTypeSymbol PageFlagBit { get; }

    /// <summary>The runtime's types, or null when the compilation does not reference MmSim.</summary>
    public static KnownTypes? TryCreate(Compilation compilation)
    {
        var pageFlagBit = compilation.GetTypeByMetadataName("MmSim.PageFlags.PageFlagBit");
        return pageFlagBit is null ? null : new KnownTypes(pageFlagBit);
    }
}
