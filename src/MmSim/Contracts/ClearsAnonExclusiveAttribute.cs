using System;

namespace MmSim.Contracts;

/// <summary>
/// The method clears PG_anon_exclusive of its page (receiver, or the page parameter). Clearing is legal
/// only where the page cannot be pinned: inside the try-share / try-dup helpers (which check
/// <c>folio_maybe_dma_pinned</c> first), on the free path, and for device-private pages.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class ClearsAnonExclusiveAttribute : Attribute
{
}
