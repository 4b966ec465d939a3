using System;
using MmSim.PageTables;

namespace MmSim.Contracts;

/// <summary>
/// The member may only be used on an entry of one of <see cref="Kinds"/>: <c>pte_pfn()</c> on a present entry,
/// <c>pfn_swap_entry_to_page()</c> on migration, device and hwpoison entries only. On a parameter, the
/// argument is meant. Deriving a page from any other kind is the bug class of "mm/mprotect: Only reference
/// swap pfn page if type match" and "mm/rmap: fix dereferencing invalid subpage pointer in
/// try_to_migrate()" (both Fixes: 6c287605fd56).
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Property | AttributeTargets.Parameter, Inherited = false)]
public sealed class ValidForEntryKindsAttribute : Attribute
{
    public ValidForEntryKindsAttribute(params PteKind[] kinds)
    {
        Kinds = kinds;
    }

    /// <summary>The entry kinds the member is defined for.</summary>
    public PteKind[] Kinds { get; }
}
