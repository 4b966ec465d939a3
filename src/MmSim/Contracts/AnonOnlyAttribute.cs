using System;

namespace MmSim.Contracts;

/// <summary>
/// The member applies only to an anonymous page (PageAnon): called on another page it is a bug
/// (VM_BUG_ON_PGFLAGS(!PageAnon(page)) in the kernel). On a method of <see cref="MmSim.PageFlags.Page"/>
/// the receiver is meant; on a parameter, that argument. Analyzers require a proof of anon-ness first.
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Property | AttributeTargets.Parameter, Inherited = false)]
public sealed class AnonOnlyAttribute : Attribute
{
}
