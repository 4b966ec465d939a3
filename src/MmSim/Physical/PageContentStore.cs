using System;
using System.Collections.Generic;
using System.Threading;

namespace MmSim.Physical;

/// <summary>
/// The bytes of the frames that were ever written, in 1 MiB chunks of 256 page slots. Chunks live on the
/// large-object heap, so the garbage collector never copies page contents around, and a frame costs a
/// 4-byte slot number in the memmap instead of an object reference. Slot 0 means "reads as zeros"; a
/// frame written whole with one byte value holds no slot at all (<see cref="SameFilled"/>).
/// </summary>
internal sealed class PageContentStore
{
    private const int SlotsPerChunk = 256;
    private const int PageSize = PhysicalMemory.PageSize;

    private readonly object _lock = new();
    private readonly Stack<int> _free = new();
    private byte[][] _chunks = [];
    private int _used;

    /// <summary>A slot whose bytes are all zero.</summary>
    public int Allocate()
    {
        lock (_lock)
        {
            if (_free.Count > 0)
            {
                int reused = _free.Pop();
                Span(reused).Clear();
                return reused;
            }
            if (_used % SlotsPerChunk == 0)
            {
                var grown = new byte[_chunks.Length + 1][];
                Array.Copy(_chunks, grown, _chunks.Length);
                grown[^1] = new byte[SlotsPerChunk * PageSize];
                Volatile.Write(ref _chunks, grown);
            }
            return ++_used;
        }
    }

    private static readonly byte[]?[] SameFilledPages = new byte[256][];

    /// <summary>A read-only page of bytes <paramref name="value"/>, what a same-filled frame reads as.</summary>
    public static ReadOnlySpan<byte> SameFilled(byte value)
    {
        var page = Volatile.Read(ref SameFilledPages[value]);
        if (page is null)
        {
            page = new byte[PageSize];
            Array.Fill(page, value);
            Volatile.Write(ref SameFilledPages[value], page); // a racing reader builds an equal page: harmless
        }
        return page;
    }

    /// <summary>Gives a slot back; its frame reads as zeros again.</summary>
    public void Free(int slot)
    {
        lock (_lock)
            _free.Push(slot);
    }

    /// <summary>The 4 KiB of a slot.</summary>
    public Span<byte> Span(int slot)
    {
        int index = slot - 1;
        return Volatile.Read(ref _chunks)[index / SlotsPerChunk].AsSpan(index % SlotsPerChunk * PageSize, PageSize);
    }
}
