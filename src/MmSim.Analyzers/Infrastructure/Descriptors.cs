using Microsoft.CodeAnalysis;

namespace MmSim.Analyzers.Infrastructure;

/// <summary>Every diagnostic of the package, in one place; each links to its page under docs/rules.</summary>
internal static class Descriptors
{
    /// <summary>Where the rule pages live: docs/rules/{id}.md in the repository.</summary>
    public const string HelpLinkBase = "https://github.com/mmsim/mmsim/blob/main/docs/rules/";

    public static readonly DiagnosticDescriptor MM0001_ClearAnonExclusiveWhileMaybePinned = Create(
        "MM0001",
        "PG_anon_exclusive cleared outside the try-share / try-dup helpers or while the page may be pinned",
        "'{0}' clears PG_anon_exclusive of '{1}' {2}",
        Categories.Security,
        DiagnosticSeverity.Warning,
        "Exclusivity may be dropped only where no pin can exist: inside page_try_share_anon_rmap / page_try_dup_anon_rmap after folio_maybe_dma_pinned() said no, on the free path, or for device-private pages. Clearing it anywhere else, including zap or munmap, lets a pinned page be shared and the pin see another process's writes (78fbe906cc90, 6c287605fd56).");

    public static readonly DiagnosticDescriptor MM0002_NotAnonFlagOnAnonPage = Create(
        "MM0002",
        "Page-cache flag used on a page that is or may be anonymous",
        "'{0}' uses {1} on '{2}', which is or may be anonymous: there the bit is PG_anon_exclusive",
        Categories.Correctness,
        DiagnosticSeverity.Warning,
        "PG_mappedtodisk (and PG_checked) share their bit with PG_anon_exclusive. Reading it on an anonymous page reads exclusivity; writing it grants or drops exclusivity behind the rmap code's back. The kernel keeps an always-on BUG_ON for this in do_swap_page and unuse_pte.");

    public static readonly DiagnosticDescriptor MM0003_AnonExclusiveOnNonAnonPage = Create(
        "MM0003",
        "Anon-exclusive accessor used on a page that is not anonymous, or modified on a KSM page",
        "'{0}' on '{1}', which {2}",
        Categories.Correctness,
        DiagnosticSeverity.Warning,
        "PG_anon_exclusive is meaningful only while PageAnon: on a page-cache page (or the zero page) the same bit is PG_mappedtodisk. KSM pages are anonymous but never exclusive, so setting or clearing the flag on them is a bug (VM_BUG_ON_PGFLAGS(PageKsm(page)) in SetPageAnonExclusive / ClearPageAnonExclusive).");

    public static readonly DiagnosticDescriptor MM0004_FlagPolicyViolation = Create(
        "MM0004",
        "Page flag accessed through a page its compound policy forbids",
        "'{0}' on '{1}', which {2}",
        Categories.Correctness,
        DiagnosticSeverity.Warning,
        "Each page flag has a compound policy (PF_ONLY_HEAD, PF_NO_TAIL, PF_NO_COMPOUND, PF_SECOND); hugetlb keeps PG_anon_exclusive on the head only. A violation reads or writes the wrong struct page: VM_BUG_ON_PGFLAGS in the kernel, an always-on check in the simulator.");

    public static readonly DiagnosticDescriptor MM0005_TryShareResultIgnored = Create(
        "MM0005",
        "Result of try-share / try-dup ignored",
        "The result of '{0}' is ignored: on failure (-EBUSY, the page may be pinned) the caller must restore the entry and fail, or copy",
        Categories.Correctness,
        DiagnosticSeverity.Warning,
        "page_try_share_anon_rmap and page_try_dup_anon_rmap refuse to drop exclusivity of a page that may be pinned. A caller that goes on as if they had succeeded shares a pinned page; set_pmd_migration_entry did exactly that until 7f5abe609b3d.");

    public static readonly DiagnosticDescriptor MM0006_TryShareWithoutExclusivityTest = Create(
        "MM0006",
        "Try-share called without proving the page exclusive",
        "'{0}' needs '{1}' to be exclusive, but no exclusivity test of that page guards the call on every path",
        Categories.Correctness,
        DiagnosticSeverity.Warning,
        "page_try_share_anon_rmap may only be called on an exclusive anonymous page (VM_BUG_ON_PAGE(!PageAnonExclusive(page))). The __split_huge_pmd_locked follow-up to 6c287605fd56 changed 'freeze && page_try_share_anon_rmap(page)' to 'freeze && anon_exclusive && ...' for this reason.");

    public static readonly DiagnosticDescriptor MM0007_WriteGrantWithoutExclusivity = Create(
        "MM0007",
        "Anonymous page mapped writable without proven exclusivity",
        "'{0}' makes '{1}' writable, but the page is (or may be) anonymous and not proven exclusive on every path",
        Categories.Security,
        DiagnosticSeverity.Warning,
        "A writable mapping of an anonymous page must be exclusive (invariant I1). Deciding write access from pte_dirty (5535be309971, CVE-2022-2590) or from mapcount (the 2025 mprotect batching review: 'horribly wrong') lets a process write a page another process, or a pin, still sees.");

    public static readonly DiagnosticDescriptor MM0008_PinWithoutUnshare = Create(
        "MM0008",
        "Anonymous page pinned without proving it exclusive (unshared)",
        "'{0}' pins '{1}', which is (or may be) {2} on some path: unshare it first",
        Categories.Security,
        DiagnosticSeverity.Warning,
        "A FOLL_PIN on an anonymous page must only succeed on an exclusive page (invariant I2): gup_must_unshare sends R/O pins of shared pages through an unshare fault first. Pinning a page that is still shared lets a later COW hand the pinned page to one process and a copy to the other: the GUP-after-fork inconsistency of a7f226604170 and 8909691b6c5a.");

    public static readonly DiagnosticDescriptor MM0009_PageTableLockNotHeld = Create(
        "MM0009",
        "Page-table lock not held on every path to an API that requires it",
        "'{0}' requires the page-table lock, which is not held on every path here",
        Categories.Correctness,
        DiagnosticSeverity.Warning,
        "The PT lock is the primary synchronisation for PG_anon_exclusive and the entry that maps the page (78fbe906cc90): try-share, try-dup and the swap-entry exclusive bit must be handled under it, or a concurrent fork or GUP sees a half-done state.");

    public static readonly DiagnosticDescriptor MM0010_PinNotBalanced = Create(
        "MM0010",
        "Pin not released on every path, released twice, or released on another subpage",
        "'{0}' {1}",
        Categories.Correctness,
        DiagnosticSeverity.Warning,
        "A FOLL_PIN pin must be released exactly once, on the page that was pinned. A leaked pin keeps the page looking pinned forever (no migration, no COW sharing); a double unpin underflows the pin count; unpinning the head of a folio whose tail was pinned hit the BUG in sanity_check_pinned_pages (io_uring, 5afb4bf9fc62).");

    public static readonly DiagnosticDescriptor MM0011_GetPutMixedWithPinUnpin = Create(
        "MM0011",
        "Reference released with the wrong kind of release",
        "'{0}' {1} '{2}', which holds {3}; release it with {4}",
        Categories.Correctness,
        DiagnosticSeverity.Warning,
        "FOLL_GET references (get_user_pages, folio_get) are dropped with put_page; FOLL_PIN pins (pin_user_pages) with unpin_user_page. put_page on a pinned page leaves GUP_PIN_COUNTING_BIAS - 1 references and a page that looks pinned forever; unpin on a referenced page underflows the refcount.");

    public static readonly DiagnosticDescriptor MM0012_DebugOnlyCheckGuardsSecurityDecision = Create(
        "MM0012",
        "Debug-only check is the only guard of a security decision",
        "'{0}' runs only with CONFIG_DEBUG_VM, yet it is the only guard of '{1}' on '{2}'",
        Categories.Security,
        DiagnosticSeverity.Warning,
        "VM_BUG_ON vanishes in production builds. Whether a page is exclusive before it is shared, or not pinned before exclusivity is dropped, must be decided by real control flow, with a safe fallback, not asserted. Linus' objection to 5535be309971 and the later VM_BUG_ON to WARN_ON_ONCE conversions.");

    public static readonly DiagnosticDescriptor MM0013_EntryKindMisuse = Create(
        "MM0013",
        "Page derived from an entry of the wrong kind, or a switch over entry kinds that misses some",
        "{0}",
        Categories.Correctness,
        DiagnosticSeverity.Warning,
        "Only present entries carry a PFN for pte_pfn(), and only migration, device and hwpoison entries carry one for pfn_swap_entry_to_page(). Deriving a page from any other kind dereferenced garbage in mprotect and try_to_migrate_one, and treating hwpoison entries as migration entries panicked fork (all Fixes: 6c287605fd56).");

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
