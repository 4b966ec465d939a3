using System;

namespace MmSim.Contracts;

/// <summary>
/// The method handles device-private pages only (the is_device_private_entry() branch of
/// <c>copy_nonpresent_pte</c> in mm/memory.c). Such pages cannot be pinned, so clearing
/// PG_anon_exclusive there directly is legal.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class DevicePrivatePathAttribute : Attribute
{
}
