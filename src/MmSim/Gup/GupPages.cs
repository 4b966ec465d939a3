using System;
using System.Collections.Generic;
using MmSim.Diagnostics;
using MmSim.PageFlags;
using MmSim.Physical;

namespace MmSim;

/// <summary>
/// The pages a get_user_pages / pin_user_pages call took: what a device sees through its references
/// (DMA reads and writes go to these frames, whatever the page tables map later). Pins outlive their
/// process; <see cref="Release"/> drops them (unpin_user_pages(_dirty) or put_page).
/// </summary>
public sealed class GupPages : IDisposable
{
    private readonly Machine _machine;
    private readonly Page[] _pages;
    private readonly bool _writable;
    private readonly GupGrab _grab;
    private bool _released;

    internal GupPages(Machine machine, Page[] pages, bool writable, GupGrab grab, bool countAsPins)
    {
        _machine = machine;
        _pages = pages;
        _writable = writable;
        _grab = grab;
        CountsAsPins = countAsPins;
    }

    /// <summary>Pages referenced, one per 4 KiB page of the range.</summary>
    public int Count => _pages.Length;

    /// <summary>Whether the references were taken by pin_user_pages (FOLL_PIN).</summary>
    internal bool CountsAsPins { get; }

    internal bool IsReleased
    {
        get
        {
            lock (_pages)
                return _released;
        }
    }

    internal IReadOnlyList<Page> Pages => _pages;

    /// <summary>A DMA read from page <paramref name="pageIndex"/>.</summary>
    public void Read(int pageIndex, int offset, Span<byte> destination)
    {
        var page = Target(pageIndex, offset, destination.Length);
        page.ReadContents(offset, destination);
    }

    /// <summary>A DMA write into page <paramref name="pageIndex"/>; needs <see cref="GupFlags.Write"/>.</summary>
    public void Write(int pageIndex, int offset, ReadOnlySpan<byte> source)
    {
        if (!_writable)
            throw new InvalidOperationException("the pages were taken without GupFlags.Write; a device may only read them");
        var page = Target(pageIndex, offset, source.Length);
        page.WriteContents(offset, source);
    }

    /// <summary>unpin_user_pages_dirty_lock() / put_page(): drops every reference, marking the pages dirty if asked.</summary>
    [MmSim.Contracts.ReleasesReferences]
    public void Release(bool dirty = false)
    {
        lock (_pages)
        {
            if (_released)
                return;
            _released = true;
        }
        foreach (var page in _pages)
        {
            if (dirty && !page.IsZeroPage)
                page.Folio.Set(PG.Dirty);
            var folio = page.Folio;
            _grab.Release(page, _machine.Policy.TracksExclusivity);
            if (folio.RefCount > 0)
                _machine.Swap?.TryFreeSwapCache(folio);
        }
        if (CountsAsPins)
            _machine.AddPinnedPages(-_pages.Length);
        _machine.ForgetGup(this);
    }

    /// <summary>Release().</summary>
    [MmSim.Contracts.ReleasesReferences]
    public void Dispose() => Release();

    private Page Target(int pageIndex, int offset, int length)
    {
        lock (_pages)
        {
            if (_released)
                throw new ObjectDisposedException(nameof(GupPages), "the pages were released");
        }
        if ((uint)pageIndex >= (uint)_pages.Length)
            throw new ArgumentOutOfRangeException(nameof(pageIndex), $"page {pageIndex} of {_pages.Length}");
        if (offset < 0 || length < 0 || offset + length > PhysicalMemory.PageSize)
            throw new ArgumentOutOfRangeException(nameof(offset), $"bytes [{offset}, {offset + length}) are outside a page");
        return _pages[pageIndex];
    }
}
