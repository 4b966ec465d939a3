// A tour of the typed page-flag API: one bit, two meanings, and the checks that keep them apart.
using System;
using MmSim.Diagnostics;
using MmSim.PageFlags;
using MmSim.Physical;

var memory = new PhysicalMemory(64L << 20);
Console.WriteLine($"RAM: {memory.TotalPages} frames, {memory.FreePages} free, {PhysicalMemory.MetadataBytesPerFrame} bytes of metadata per frame");

// An anonymous page, freshly faulted in: do_anonymous_page() marks it exclusive.
var anon = memory.AllocFolio(0, Gfp.Zero)!.Value;
anon.SetMapping(PageMapping.Anon(1));
anon.Set(PG.SwapBacked);
anon.Head.SetAnonExclusive();
Console.WriteLine($"anon page pfn {anon.Head.Pfn}: PageAnonExclusive = {anon.Head.IsAnonExclusive}");
Console.WriteLine($"  raw flags 0x{anon.Head.RawFlags:x}: bit {(int)PageFlagBit.AnonExclusive} is PG_mappedtodisk too ({PageDump.FlagNames(anon.Head.RawFlags, anon: true)})");

// Reading it as PG_mappedtodisk is nonsense on an anon page: the accessor refuses.
try
{
    _ = anon.Head.Test(PG.MappedToDisk);
}
catch (MmBugException bug)
{
    Console.WriteLine($"  PageMappedToDisk(anon page) -> {bug.Reason}");
}

// A THP: the flag is per subpage; PF_NO_TAIL flags cannot be set through a tail.
var thp = memory.AllocFolio(9, Gfp.Zero, CompoundDtor.TransHuge)!.Value;
thp.SetMapping(PageMapping.Anon(1));
thp.Page(3).SetAnonExclusive();
Console.WriteLine($"THP at pfn {thp.Head.Pfn}: subpage 3 exclusive = {thp.Page(3).IsAnonExclusive}, head exclusive = {thp.Head.IsAnonExclusive}");
try
{
    thp.Page(3).Set(PG.Locked);
}
catch (MmBugException bug)
{
    Console.WriteLine($"  SetPageLocked(tail) -> {bug.Reason}");
}

// Freeing drops PG_anon_exclusive with the rest of PAGE_FLAGS_CHECK_AT_PREP.
long pfn = anon.Head.Pfn;
anon.Put();
thp.Put();
Console.WriteLine($"after free: pfn {pfn} flags 0x{memory.PfnToPage(pfn).RawFlags:x}, {memory.FreePages} frames free");
