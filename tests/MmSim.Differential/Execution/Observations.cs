using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace MmSim.Differential.Execution;

/// <summary>
/// The observation format both sides print, one line a step: "ok", "err N" (the errno), "segv",
/// "sigbus", "v B" (a page's byte, or "mixed"; a drained pipe gives one per page), "noref" (the
/// reference was never taken), "noarea" (a failed mmap or mremap never made the area), "pm ..." (pagemap and kpageflags), "same yes|no|none".
/// </summary>
public static class Observations
{
    public const string Ok = "ok";
    public const string NoRef = "noref";
    public const string NoArea = "noarea";

    public static string Errno(int errno) => "err " + errno.ToString(CultureInfo.InvariantCulture);

    public static string Value(ReadOnlySpan<byte> page) => "v " + Byte(page);

    public static string Byte(ReadOnlySpan<byte> page) =>
        page.IndexOfAnyExcept(page[0]) < 0 ? page[0].ToString(CultureInfo.InvariantCulture) : "mixed";

    /// <summary>pagemap's present/swap/PM_MMAP_EXCLUSIVE bits and kpageflags' ANON, THP, HUGE, KSM, ZERO_PAGE, in the driver's order.</summary>
    public static string PageMap(PageMapEntry e)
    {
        if (!e.Present)
            return e.Swapped ? "pm swapped" : "pm none";
        var s = new StringBuilder("pm present");
        if (e.ExclusivelyMapped) s.Append(" excl");
        if (e.Anon) s.Append(" anon");
        if (e.Thp) s.Append(" thp");
        if (e.Hugetlb) s.Append(" huge");
        if (e.Ksm) s.Append(" ksm");
        if (e.ZeroPage) s.Append(" zero");
        return s.ToString();
    }

    /// <summary>Parses "index observation" lines; every step must have exactly one, in order.</summary>
    public static IReadOnlyList<string> FromDriverOutput(string output, int steps)
    {
        var result = new List<string>(steps);
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            int space = line.IndexOf(' ');
            if (space < 0 || int.Parse(line.AsSpan(0, space), CultureInfo.InvariantCulture) != result.Count)
                throw new FormatException($"mmdiff printed '{line}' as observation {result.Count}");
            result.Add(line[(space + 1)..]);
        }
        if (result.Count != steps)
            throw new FormatException($"mmdiff printed {result.Count} observations for {steps} steps");
        return result;
    }
}
