#!/usr/bin/env python3
"""Writes a corpus of C# files that use the MmSim page-level API, correct and incorrect, for the
analyzer benchmark: FILES files of about 100 lines each."""
import os
import sys

out, files = sys.argv[1], int(sys.argv[2])
os.makedirs(out, exist_ok=True)

TEMPLATE = '''using MmSim.Contracts;
using MmSim.Diagnostics;
using MmSim.PageFlags;
using MmSim.PageTables;
using MmSim.Rmap;

namespace Corpus;

public static class Unit{n}
{{
    public static bool TestDirty{n}(Page page) => page.Test(PG.Dirty);

    public static bool ExclusiveIfAnon{n}(Page page)
    {{
        if (!page.IsAnon)
            return false;
        return page.IsAnonExclusive;
    }}

    public static bool MappedToDiskOfFile{n}(Page page)
    {{
        if (page.IsAnon)
            return false;
        return page.Test(PG.MappedToDisk);
    }}

    public static bool MappedToDiskUnguarded{n}(Page page) => page.Test(PG.MappedToDisk);

    [AnonExclusiveHelper]
    public static bool Share{n}(Page page)
    {{
        if (!page.IsAnon || !page.IsAnonExclusive)
            return false;
        if (page.Folio.MaybeDmaPinned)
            return false;
        page.ClearAnonExclusive();
        return true;
    }}

    public static void ClearOutsideHelpers{n}(Page page)
    {{
        if (page.IsAnon)
            page.ClearAnonExclusive();
    }}

    public static int CountFlags{n}(Folio folio)
    {{
        int count = 0;
        for (int i = 0; i < folio.NrPages; i++)
        {{
            var page = folio.Page(i);
            if (page.Test(PG.HwPoison))
                count++;
            if (page.IsAnon && page.IsAnonExclusive)
                count++;
        }}
        return count;
    }}

    public static ulong Mask{n}(ulong flags) => flags & PageFlagBit.Dirty.Mask();

    public static ulong WrongMask{n}(ulong flags) => flags & (ulong)PageFlagBit.Lru;

    public static bool TryShareIgnored{n}(Page page)
    {{
        if (page.IsAnon && page.IsAnonExclusive)
        {{
            AnonRmap.PageTryShareAnonRmap(page);
            return true;
        }}
        return false;
    }}

    public static bool TryShareChecked{n}(Page page)
    {{
        if (!page.IsAnon || !page.IsAnonExclusive)
            return false;
        if (!AnonRmap.PageTryShareAnonRmap(page))
            return false;
        return true;
    }}

    public static void DebugOnly{n}(Page page)
    {{
        MmBug.VmOn(page.Folio.MaybeDmaPinned, page, "pinned");
        if (page.IsAnon && page.IsAnonExclusive)
            page.ClearAnonExclusive();
    }}

    public static long Kinds{n}(Pte pte) => pte.Kind switch
    {{
        PteKind.Present => pte.Pfn,
        PteKind.Migration or PteKind.DevicePrivate or PteKind.DeviceExclusive or PteKind.HwPoison => pte.EntryPfn,
        _ => -1,
    }};
}}
'''

for n in range(files):
    with open(os.path.join(out, f"Unit{n}.cs"), "w") as f:
        f.write(TEMPLATE.format(n=n))
