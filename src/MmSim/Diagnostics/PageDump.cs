using System.Collections.Generic;
using System.Text;
using MmSim.PageFlags;
using MmSim.Physical;

namespace MmSim.Diagnostics;

/// <summary>Text of a page's state in the shape of the kernel's <c>dump_page()</c> (mm/debug.c).</summary>
public static class PageDump
{
    public static string Format(Page page, string reason)
    {
        var map = page.Memory.Map;
        int pfn = (int)page.Pfn;
        var text = new StringBuilder();
        int head = page.IsTail ? (int)page.CompoundHead.Pfn : pfn;
        text.Append($"page:pfn=0x{pfn:x} refcount:{map.RefCount[head]} mapcount:{map.MapCount[pfn] + 1} ");
        text.Append($"mapping:0x{map.Mapping[head]:x} index:0x{map.Index[pfn]:x}");
        if (PageType.HasType(map, pfn))
            text.Append($" page_type:0x{(uint)map.MapCount[pfn]:x}");
        text.AppendLine();
        if (page.IsCompound)
        {
            var folio = page.Folio;
            text.Append($"head:pfn=0x{head:x} order:{folio.Order} compound_mapcount:{folio.EntireMapcount} ");
            text.AppendLine($"compound_pincount:{folio.Pincount} dtor:{folio.Dtor}");
        }
        string kind = page.IsKsm ? "ksm " : page.IsAnon ? "anon " : string.Empty;
        ulong flags = map.Flags[pfn];
        text.AppendLine($"{kind}flags: 0x{flags:x}({FlagNames(flags, page.IsAnon)})");
        text.Append($"page dumped because: {reason}");
        return text.ToString();
    }

    /// <summary>
    /// The names of the set bits. An overloaded bit is named by what it means on this page, as
    /// tools/vm/page-types' expand_overloaded_flags() does: PG_mappedtodisk on an anon page is anon_exclusive.
    /// </summary>
    public static string FlagNames(ulong flags, bool anon)
    {
        var names = new List<string>();
        for (int bit = 0; bit < PageFlagBitExtensions.NrPageFlags; bit++)
        {
            if ((flags & (1UL << bit)) != 0)
                names.Add(BitName((PageFlagBit)bit, flags, anon));
        }
        return string.Join("|", names);
    }

    private static string BitName(PageFlagBit bit, ulong flags, bool anon) => bit switch
    {
        PageFlagBit.MappedToDisk => anon ? "anon_exclusive" : "mappedtodisk",
        PageFlagBit.OwnerPriv1 => (flags & PageFlagBit.SwapBacked.Mask()) != 0 ? "swapcache" : "owner_priv_1",
        _ => bit.CanonicalName(),
    };
}
