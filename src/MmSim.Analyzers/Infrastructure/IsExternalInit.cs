namespace System.Runtime.CompilerServices;

/// <summary>
/// The marker type init-only setters compile against; netstandard2.0 lacks it, and the analyzers use
/// records for the flow facts.
/// </summary>
internal static class IsExternalInit
{
}
