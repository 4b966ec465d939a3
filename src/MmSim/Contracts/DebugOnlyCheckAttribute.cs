using System;

namespace MmSim.Contracts;

/// <summary>
/// The method is a check that runs only in debug configurations (VM_BUG_ON): it must not be the only
/// guard of a security decision (write grant, reuse, share, pin).
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class DebugOnlyCheckAttribute : Attribute
{
}
