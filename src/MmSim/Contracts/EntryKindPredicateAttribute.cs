using System;
using MmSim.PageTables;

namespace MmSim.Contracts;

/// <summary>
/// The member tests whether its page-table entry is one of <see cref="Kinds"/> (<c>pte_present</c>,
/// <c>pte_none</c>, <c>is_migration_entry</c>...): a true result narrows the entry to those kinds, a false
/// result excludes them.
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Property, Inherited = false)]
public sealed class EntryKindPredicateAttribute : Attribute
{
    public EntryKindPredicateAttribute(params PteKind[] kinds)
    {
        Kinds = kinds;
    }

    /// <summary>The kinds a true result proves.</summary>
    public PteKind[] Kinds { get; }
}
