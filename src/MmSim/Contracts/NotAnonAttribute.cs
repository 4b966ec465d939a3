using System;

namespace MmSim.Contracts;

/// <summary>
/// The member or flag must not be used on an anonymous page, because its bit means something else
/// there (PG_mappedtodisk is PG_anon_exclusive on anon pages). On a field of type
/// <see cref="MmSim.PageFlags.PageFlag"/>, every access through that flag is meant.
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Property | AttributeTargets.Parameter | AttributeTargets.Field, Inherited = false)]
public sealed class NotAnonAttribute : Attribute
{
}
