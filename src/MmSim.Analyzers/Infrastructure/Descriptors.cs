using Microsoft.CodeAnalysis;

namespace MmSim.Analyzers.Infrastructure;

/// <summary>Every diagnostic of the package, in one place; each links to its page under docs/rules.</summary>
internal static class Descriptors
{
    /// <summary>Where the rule pages live: docs/rules/{id}.md in the repository.</summary>
    public const string HelpLinkBase = "https://github.com/mmsim/mmsim/blob/main/docs/rules/";

    public static readonly DiagnosticDescriptor MM0014_PageFlagBitAsMask = Create(
        "MM0014",
        "Page-flag bit number used as a mask",
        "'{0}' is a bit number, not a mask; use '{1}'",
        Categories.Correctness,
        DiagnosticSeverity.Warning,
        "PageFlagBit values are bit numbers (enum pageflags). Combining them with &, |, ^ or ~ treats the number as a mask and tests or clears unrelated flags, the mistake of ~(PAGE_FLAGS_CHECK_AT_PREP & ~PG_anon_exclusive). Use Mask() (1UL << bit) or the typed accessors.");

    private static DiagnosticDescriptor Create(string id, string title, string message, string category, DiagnosticSeverity severity, string description) =>
        new(id, title, message, category, severity, isEnabledByDefault: true, description, HelpLinkBase + id + ".md");
}
