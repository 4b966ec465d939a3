using System;

namespace MmSim.Contracts;

/// <summary>
/// The method drops every reference or pin its receiver holds, each with the release that matches how it
/// was taken (<c>unpin_user_pages_dirty_lock</c> for FOLL_PIN, <c>put_page</c> for FOLL_GET). Releasing
/// again is harmless.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class ReleasesReferencesAttribute : Attribute
{
}
