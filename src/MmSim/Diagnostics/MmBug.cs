using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using MmSim.Contracts;
using MmSim.PageFlags;

namespace MmSim.Diagnostics;

/// <summary>
/// The kernel's assertions. <see cref="On(bool, string)"/> is BUG_ON: always checked, for invariants
/// whose violation would corrupt memory or leak data. <see cref="VmOn(bool, Page, string)"/> is
/// VM_BUG_ON_PAGE: checked only when the machine runs with CONFIG_DEBUG_VM
/// (<c>MachineOptions.DebugVm</c>), for cheap-to-lose sanity; it must never be the only guard of a
/// security decision.
/// </summary>
public static class MmBug
{
    /// <summary>BUG_ON(condition).</summary>
    public static void On([DoesNotReturnIf(true)] bool condition, string reason)
    {
        if (condition)
            throw new MmBugException(reason, null, string.Empty);
    }

    /// <summary>BUG_ON(condition), with a message that is only formatted if the check fails.</summary>
    public static void On([DoesNotReturnIf(true)] bool condition, [InterpolatedStringHandlerArgument(nameof(condition))] ref BugMessage reason)
    {
        if (condition)
            throw new MmBugException(reason.ToStringAndClear(), null, string.Empty);
    }

    /// <summary>BUG_ON(condition) with dump_page(page, reason).</summary>
    public static void On([DoesNotReturnIf(true)] bool condition, Page page, string reason)
    {
        if (condition)
            throw Bug(page, reason);
    }

    /// <summary>BUG_ON(condition) with dump_page(page, reason), the message only formatted if the check fails.</summary>
    public static void On([DoesNotReturnIf(true)] bool condition, Page page, [InterpolatedStringHandlerArgument(nameof(condition))] ref BugMessage reason)
    {
        if (condition)
            throw Bug(page, reason.ToStringAndClear());
    }

    /// <summary>VM_BUG_ON_PAGE(condition, page): checked only with CONFIG_DEBUG_VM.</summary>
    [DebugOnlyCheck]
    public static void VmOn(bool condition, Page page, string reason)
    {
        if (condition && page.Memory.Map.DebugVm)
            throw Bug(page, reason);
    }

    /// <summary>The exception for a violated check on <paramref name="page"/>, with its dump.</summary>
    public static MmBugException Bug(Page page, string reason) =>
        new(reason, page.Pfn, PageDump.Format(page, reason));
}

/// <summary>
/// The message of a failed check, built only when the condition holds: the checks sit on every fault and
/// page-table walk, where formatting a message that is thrown away would cost more than the walk itself.
/// </summary>
[InterpolatedStringHandler]
public ref struct BugMessage
{
    private DefaultInterpolatedStringHandler _text;

    public BugMessage(int literalLength, int formattedCount, bool condition, out bool shouldAppend)
    {
        shouldAppend = condition;
        _text = condition ? new DefaultInterpolatedStringHandler(literalLength, formattedCount) : default;
    }

    public void AppendLiteral(string value) => _text.AppendLiteral(value);

    public void AppendFormatted<T>(T value) => _text.AppendFormatted(value);

    public void AppendFormatted<T>(T value, string? format) => _text.AppendFormatted(value, format);

    /// <summary>The formatted message.</summary>
    public string ToStringAndClear() => _text.ToStringAndClear();
}
