using MmSim.PageFlags;
using MmSim.Physical;

namespace MmSim.Tests;

/// <summary>Small machines and pages in the states the tests need.</summary>
internal static class TestMemory
{
    public const long SixteenMiB = 16L << 20;

    public static PhysicalMemory Create(long bytes = SixteenMiB, bool debugVm = false) => new(bytes, debugVm);

    public static Folio Alloc(this PhysicalMemory memory, int order = 0, CompoundDtor dtor = CompoundDtor.Compound) =>
        memory.AllocFolio(order, Gfp.Zero, dtor) ?? throw new System.InvalidOperationException("test machine out of memory");

    /// <summary>A folio mapped as anonymous memory (__page_set_anon_rmap without the rmap).</summary>
    public static Folio AllocAnon(this PhysicalMemory memory, int order = 0, CompoundDtor dtor = CompoundDtor.Compound)
    {
        var folio = memory.Alloc(order, dtor);
        folio.SetMapping(PageMapping.Anon(7));
        return folio;
    }

    /// <summary>A page-cache folio (an address_space mapping, no flag bits).</summary>
    public static Folio AllocFile(this PhysicalMemory memory, int order = 0)
    {
        var folio = memory.Alloc(order);
        folio.SetMapping(PageMapping.File(9));
        return folio;
    }
}
