using System;

namespace MmSim.Selftests;

/// <summary>
/// What a test range holds, page by page, for cow.c's memcmp(): a page of one repeated byte is kept as that byte,
/// any other page as a copy. Comparing a 1 GiB hugetlb page filled by memset() then costs the host kilobytes, not
/// gigabytes, and the comparison stays exact.
/// </summary>
internal sealed class MemoryImage
{
    private const int PageSize = Machine.PageSize;
    private const int Chunk = 2 << 20; // read 2 MiB at a time

    private readonly byte[] _fill;
    private readonly byte[]?[] _copies; // null: the page is _fill repeated

    private MemoryImage(int size)
    {
        _fill = new byte[size / PageSize];
        _copies = new byte[size / PageSize][];
    }

    /// <summary>The bytes of [address, address + size) as <paramref name="process"/> reads them.</summary>
    public static MemoryImage Of(Process process, ulong address, int size)
    {
        var image = new MemoryImage(size);
        var buffer = new byte[Math.Min(size, Chunk)];
        for (int done = 0; done < size; done += buffer.Length)
        {
            process.Read(address + (ulong)done, buffer);
            for (int offset = 0; offset < buffer.Length; offset += PageSize)
                image.Keep((done + offset) / PageSize, buffer.AsSpan(offset, PageSize));
        }
        return image;
    }

    /// <summary>The bytes a device sees through <paramref name="pages"/> (a pipe's vmsplice references, a pin).</summary>
    public static MemoryImage Of(GupPages pages)
    {
        var image = new MemoryImage(pages.Count * PageSize);
        var page = new byte[PageSize];
        for (int i = 0; i < pages.Count; i++)
        {
            pages.Read(i, 0, page);
            image.Keep(i, page);
        }
        return image;
    }

    /// <summary>memcmp() == 0.</summary>
    public bool SameAs(MemoryImage other)
    {
        if (other._copies.Length != _copies.Length)
            return false;
        for (int i = 0; i < _copies.Length; i++)
        {
            var mine = _copies[i];
            var theirs = other._copies[i];
            bool same = mine is null && theirs is null ? _fill[i] == other._fill[i] : Page(i).SequenceEqual(other.Page(i));
            if (!same)
                return false;
        }
        return true;
    }

    /// <summary>Writes <paramref name="value"/> over [address, address + size), as memset() does.</summary>
    public static void Fill(Process process, ulong address, byte value, int size)
    {
        var chunk = new byte[Math.Min(size, Chunk)];
        Array.Fill(chunk, value);
        for (int done = 0; done < size; done += chunk.Length)
            process.Write(address + (ulong)done, chunk);
    }

    private void Keep(int index, ReadOnlySpan<byte> page)
    {
        if (page.IndexOfAnyExcept(page[0]) < 0)
            _fill[index] = page[0];
        else
            _copies[index] = page.ToArray();
    }

    private ReadOnlySpan<byte> Page(int index)
    {
        if (_copies[index] is { } copy)
            return copy;
        var repeated = new byte[PageSize];
        Array.Fill(repeated, _fill[index]);
        return repeated;
    }
}
