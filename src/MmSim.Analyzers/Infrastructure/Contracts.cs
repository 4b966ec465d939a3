using Microsoft.CodeAnalysis;

namespace MmSim.Analyzers.Infrastructure;

/// <summary>
/// The contract attributes of namespace MmSim.Contracts, matched by full name rather than by assembly, so
/// that a user who declares or applies the same attributes to their own helpers gets the same checking.
/// </summary>
internal static class Contracts
{
    public const string AcquiresPageTableLock = "AcquiresPageTableLockAttribute";
    public const string AnonExclusiveHelper = "AnonExclusiveHelperAttribute";
    public const string AnonOnly = "AnonOnlyAttribute";
    public const string AnonPredicate = "AnonPredicateAttribute";
    public const string ClearsAnonExclusive = "ClearsAnonExclusiveAttribute";
    public const string DebugOnlyCheck = "DebugOnlyCheckAttribute";
    public const string DevicePrivatePath = "DevicePrivatePathAttribute";
    public const string EntryKindPredicate = "EntryKindPredicateAttribute";
    public const string ExclusivePredicate = "ExclusivePredicateAttribute";
    public const string FreePath = "FreePathAttribute";
    public const string FreshPage = "FreshPageAttribute";
    public const string GrantsWrite = "GrantsWriteAttribute";
    public const string HeadPredicate = "HeadPredicateAttribute";
    public const string HugetlbPredicate = "HugetlbPredicateAttribute";
    public const string GetsReference = "GetsReferenceAttribute";
    public const string KsmPredicate = "KsmPredicateAttribute";
    public const string MaybePinnedPredicate = "MaybePinnedPredicateAttribute";
    public const string MustCheckResult = "MustCheckResultAttribute";
    public const string NotAnon = "NotAnonAttribute";
    public const string PageFlagPolicy = "PageFlagPolicyAttribute";
    public const string PageTableLock = "PageTableLockAttribute";
    public const string Pins = "PinsAttribute";
    public const string PutsReference = "PutsReferenceAttribute";
    public const string ReleasesPageTableLock = "ReleasesPageTableLockAttribute";
    public const string ReleasesReferences = "ReleasesReferencesAttribute";
    public const string RequiresAnonExclusive = "RequiresAnonExclusiveAttribute";
    public const string RequiresPageTableLock = "RequiresPageTableLockAttribute";
    public const string SetsAnonExclusive = "SetsAnonExclusiveAttribute";
    public const string TailPredicate = "TailPredicateAttribute";
    public const string Unpins = "UnpinsAttribute";
    public const string ValidForEntryKinds = "ValidForEntryKindsAttribute";
    public const string ZeroPagePredicate = "ZeroPagePredicateAttribute";

    /// <summary>Whether <paramref name="symbol"/> carries MmSim.Contracts.<paramref name="attributeName"/>.</summary>
    public static bool Has(ISymbol? symbol, string attributeName)
    {
        if (symbol is null)
            return false;
        foreach (var attribute in symbol.GetAttributes())
        {
            if (attribute.AttributeClass is { } type && type.Name == attributeName && IsContractsNamespace(type.ContainingNamespace))
                return true;
        }
        return false;
    }

    /// <summary>
    /// The entry kinds an attribute such as [EntryKindPredicate(kinds)] or [ValidForEntryKinds(kinds)] lists, as a
    /// bit set of the enum values; null when <paramref name="symbol"/> does not carry it.
    /// </summary>
    public static uint? KindsOf(ISymbol? symbol, string attributeName)
    {
        if (symbol is null)
            return null;
        foreach (var attribute in symbol.GetAttributes())
        {
            if (attribute.AttributeClass is not { } type || type.Name != attributeName || !IsContractsNamespace(type.ContainingNamespace) ||
                attribute.ConstructorArguments.Length != 1 || attribute.ConstructorArguments[0].Kind != TypedConstantKind.Array)
                continue;
            uint kinds = 0;
            foreach (var kind in attribute.ConstructorArguments[0].Values)
            {
                if (kind.Value is int value && value is >= 0 and < 32)
                    kinds |= 1u << value;
            }
            return kinds;
        }
        return null;
    }

    /// <summary>The FlagPolicy value of a [PageFlagPolicy(policy)] on <paramref name="symbol"/>, or null.</summary>
    public static int? PolicyOf(ISymbol? symbol)
    {
        if (symbol is null)
            return null;
        foreach (var attribute in symbol.GetAttributes())
        {
            if (attribute.AttributeClass is { Name: PageFlagPolicy } type && IsContractsNamespace(type.ContainingNamespace) &&
                attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is int policy)
                return policy;
        }
        return null;
    }

    /// <summary>Whether the method contracts to take or drop pins and references (so a page passed to it does not escape).</summary>
    public static bool IsReferenceContract(IMethodSymbol method) =>
        Has(method, Pins) || Has(method, Unpins) || Has(method, GetsReference) || Has(method, PutsReference) || Has(method, ReleasesReferences);

    /// <summary>Whether the method drops everything its receiver holds: [ReleasesReferences], or IDisposable.Dispose (a using).</summary>
    public static bool ReleasesAll(IMethodSymbol method) =>
        Has(method, ReleasesReferences) ||
        (method.Name == nameof(System.IDisposable.Dispose) && method.Parameters.IsEmpty &&
         method.ContainingType is { Name: "IDisposable", ContainingNamespace: { Name: "System", ContainingNamespace.IsGlobalNamespace: true } });

    /// <summary>Whether the method or one of the functions it is nested in (lambda, local function) carries the attribute.</summary>
    public static bool EnclosingFunctionHas(ISymbol? symbol, string attributeName)
    {
        for (var current = symbol; current is not null; current = current.ContainingSymbol)
        {
            if (current is IMethodSymbol && Has(current, attributeName))
                return true;
            if (current is INamedTypeSymbol)
                return false;
        }
        return false;
    }

    private static bool IsContractsNamespace(INamespaceSymbol? ns) =>
        ns is { Name: "Contracts", ContainingNamespace: { Name: "MmSim", ContainingNamespace.IsGlobalNamespace: true } };
}
