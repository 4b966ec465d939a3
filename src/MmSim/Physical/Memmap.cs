using System;

namespace MmSim.Physical;

/// <summary>
/// The memmap: one <c>struct page</c> per frame, stored as a struct of arrays indexed by PFN
/// (mm/page_alloc.c memmap_init). Fields keep the kernel's meaning and its unions:
/// <list type="bullet">
/// <item><see cref="MapCount"/> is <c>_mapcount</c> (-1 based), overlaid by <c>page_type</c> on typed pages (buddy);</item>
/// <item><see cref="LruNext"/>/<see cref="LruPrev"/> are <c>page-&gt;lru</c> (buddy free lists, LRU lists); on page[1]
/// of a large folio they hold <c>compound_mapcount</c> and <c>compound_pincount</c>;</item>
/// <item><see cref="Index"/> on page[1] holds <c>compound_order</c> and <c>compound_dtor</c>;</item>
/// <item><see cref="Private"/> is <c>page_private</c>: the buddy order on free pages, the swap entry in the swap cache.</item>
/// </list>
/// 52 bytes per frame, page contents aside (the kernel's <c>struct page</c> is 64).
/// </summary>
internal sealed class Memmap
{
    /// <summary>TAIL_MAPPING: the poison value in ->mapping of tail pages.</summary>
    public const uint TailMapping = 0x400;

    public Memmap(int frames, bool debugVm)
    {
        if (frames <= 0)
            throw new MmException(Errno.EINVAL, $"a machine needs at least one page frame, not {frames}");
        Frames = frames;
        DebugVm = debugVm;
        Flags = new ulong[frames];
        RefCount = new int[frames];
        MapCount = new int[frames];
        Mapping = new uint[frames];
        Index = new ulong[frames];
        Private = new ulong[frames];
        CompoundHead = new uint[frames];
        LruNext = new int[frames];
        LruPrev = new int[frames];
        Contents = new int[frames];
        Array.Fill(MapCount, -1);
    }

    /// <summary>Host bytes of metadata per frame: the element sizes of the arrays above.</summary>
    public const int BytesPerFrame =
        sizeof(ulong) + sizeof(int) + sizeof(int) + sizeof(uint) + sizeof(ulong) + sizeof(ulong) +
        sizeof(uint) + sizeof(int) + sizeof(int) + sizeof(int) /* contents slot */;

    public int Frames { get; }

    /// <summary>Whether VM_BUG_ON-style checks run (CONFIG_DEBUG_VM).</summary>
    public bool DebugVm { get; }

    public readonly ulong[] Flags;
    public readonly int[] RefCount;
    public readonly int[] MapCount;
    public readonly uint[] Mapping;
    public readonly ulong[] Index;
    public readonly ulong[] Private;
    public readonly uint[] CompoundHead;
    public readonly int[] LruNext;
    public readonly int[] LruPrev;

    /// <summary>
    /// The <see cref="PageContentStore"/> slot of each frame's bytes; 0 reads as zeros (a slot comes with the first
    /// write); -b (b from 1 to 255) reads as a page of bytes b, written whole and never given a slot.
    /// </summary>
    public readonly int[] Contents;

    /// <summary>Where the slots' bytes live.</summary>
    public PageContentStore Store { get; } = new();

    public bool IsValidPfn(long pfn) => pfn >= 0 && pfn < Frames;
}
