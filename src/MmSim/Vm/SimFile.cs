using System;
using System.Collections.Generic;
using MmSim.PageFlags;
using MmSim.Physical;

namespace MmSim;

/// <summary>
/// A file with a page cache (struct address_space): a regular file whose pages are read in when it is
/// created, or a memfd / shared anonymous area (shmem) whose pages appear zero-filled on first fault.
/// The page cache holds one reference on each of its pages.
/// </summary>
public sealed class SimFile
{
    private readonly PhysicalMemory _memory;
    private readonly Dictionary<ulong, Folio> _pages = new();

    private int _mappings;

    internal SimFile(PhysicalMemory memory, string name, long length, bool shmem, bool unlinked = false)
    {
        Unlinked = unlinked;
        if (length < 0)
            throw new MmException(Errno.EINVAL, $"file length {length} is negative");
        _memory = memory;
        Name = name;
        Length = length;
        IsShmem = shmem;
        MappingId = memory.Mappings.Register(this);
    }

    /// <summary>The name given at creation.</summary>
    public string Name { get; }

    /// <summary>The file size in bytes.</summary>
    public long Length { get; }

    /// <summary>A hugetlbfs file: its page cache holds huge pages of <see cref="Hstate"/>, indexed by huge page.</summary>
    internal bool IsHugetlb => Hstate is not null;

    /// <summary>hstate_inode(): the pool of a hugetlbfs file's pages; null for other files.</summary>
    internal Hugetlb.HugetlbPool? Hstate { get; private init; }

    /// <summary>
    /// memfd_create(MFD_HUGETLB) + ftruncate + fallocate: a hugetlbfs file whose huge pages are taken from the
    /// pool at once; ENOMEM if the pool cannot supply them, EINVAL for a length that is not a multiple of the page size.
    /// </summary>
    internal static SimFile CreateHugetlb(PhysicalMemory memory, Hugetlb.HugetlbPool pool, string name, long length)
    {
        long huge = (long)pool.Size;
        if (length <= 0 || length % huge != 0)
            throw new MmException(Errno.EINVAL, $"hugetlb file length {length} is not a positive multiple of {pool.SizeName}");
        var file = new SimFile(memory, name, length, shmem: false) { Hstate = pool };
        var taken = new List<Folio>();
        for (long i = 0; i < length / huge; i++)
        {
            if (pool.Alloc(useReservation: false) is not { } folio)
            {
                foreach (var page in taken)
                    page.Put();
                memory.Mappings.Unregister(file.MappingId);
                throw new MmException(Errno.ENOMEM, $"hugetlb file {name}: the pool has no free {pool.SizeName} page");
            }
            folio.SetMapping(file.Mapping);
            folio.SetIndex((ulong)i);
            taken.Add(folio);
        }
        lock (file._pages)
        {
            for (int i = 0; i < taken.Count; i++)
                file._pages.Add((ulong)i, taken[i]);
        }
        return file;
    }

    /// <summary>
    /// hugetlb_file_setup() for MAP_SHARED | MAP_ANONYMOUS | MAP_HUGETLB: an unlinked hugetlbfs file whose pages come
    /// at the first fault of each, from the reservation hugetlb_reserve_pages() made for the whole file here (ENOMEM
    /// if the pool cannot cover it, with nothing left behind); the pages and what is left of the reservation go back
    /// to the pool when the last area goes.
    /// </summary>
    internal static SimFile CreateSharedAnonHugetlb(PhysicalMemory memory, Hugetlb.HugetlbPool pool, long length)
    {
        var indexes = new List<ulong>();
        for (ulong index = 0; index < (ulong)length / pool.Size; index++)
            indexes.Add(index);
        var reservation = Hugetlb.HugetlbReservation.Reserve(pool, indexes, "MAP_SHARED | MAP_HUGETLB"); // before the file registers its mapping
        return new SimFile(memory, "anon_hugepage (deleted)", length, shmem: false, unlinked: true) { Hstate = pool, _reservation = reservation };
    }

    /// <summary>The reservation of a shared anonymous hugetlb file (the inode's resv_map), by huge-page index.</summary>
    private Hugetlb.HugetlbReservation? _reservation;

    /// <summary>shmem (memfd, MAP_SHARED|MAP_ANONYMOUS): pages are created zeroed and are swap-backed.</summary>
    internal bool IsShmem { get; }

    internal int MappingId { get; }

    /// <summary>
    /// The file has no name left and lives only while mapped: the shmem file behind a shared anonymous
    /// area, truncated and freed when its last area goes (as the last fput of /dev/zero's shmem file).
    /// </summary>
    internal bool Unlinked { get; }

    /// <summary>Whether the file is gone (an unlinked file whose last mapping went away).</summary>
    internal bool Released { get; private set; }

    /// <summary>A new area maps the file (get_file on vm_file).</summary>
    internal void AddMapping()
    {
        lock (_pages)
            _mappings++;
    }

    /// <summary>An area of the file went away (fput); an unlinked file with no areas left is truncated.</summary>
    internal void RemoveMapping()
    {
        lock (_pages)
        {
            if (--_mappings > 0 || !Unlinked)
                return;
            // truncate_inode_pages(): the page cache lets go of every page; pins keep theirs
            foreach (var folio in _pages.Values)
            {
                folio.SetMapping(PageMapping.None);
                folio.Put();
            }
            _pages.Clear();
            _reservation?.Release(0, ulong.MaxValue); // hugetlb_unreserve_pages() at the inode's eviction
            Released = true;
        }
        _memory.Mappings.Unregister(MappingId);
    }

    internal PageMapping Mapping => PageMapping.File(MappingId);

    /// <summary>Pages in the page cache.</summary>
    internal int CachedPages
    {
        get
        {
            lock (_pages)
                return _pages.Count;
        }
    }

    /// <summary>Page-cache entries needed to hold <see cref="Length"/> bytes (huge pages for hugetlbfs).</summary>
    internal ulong PageCount => (ulong)((Length + EntrySize - 1) / EntrySize);

    private long EntrySize => Hstate is { } hstate ? (long)hstate.Size : PhysicalMemory.PageSize;

    /// <summary>Fills the page cache from <paramref name="contents"/> (a regular file read from disk).</summary>
    internal void ReadIn(ReadOnlySpan<byte> contents)
    {
        for (ulong index = 0; index < PageCount; index++)
        {
            var folio = AddPage(index) ?? throw Enomem();
            int offset = (int)index * PhysicalMemory.PageSize;
            int count = Math.Min(PhysicalMemory.PageSize, contents.Length - offset);
            folio.Head.WriteContents(0, contents.Slice(offset, count));
        }
    }

    /// <summary>
    /// filemap_fault() / shmem_fault(): the page at <paramref name="index"/> with a reference for the caller,
    /// created zeroed for shmem; null when the index is beyond the end of the file, or for hugetlbfs when no huge
    /// page is free (SIGBUS); ENOMEM when no frame is free.
    /// </summary>
    internal Folio? GetPage(ulong index)
    {
        if (index >= PageCount)
            return null;
        lock (_pages)
        {
            if (!_pages.TryGetValue(index, out var folio))
            {
                if (Hstate is { } pool)
                {
                    // hugetlb_no_page(): a new page from the file's reservation, or SIGBUS for the caller
                    if (pool.Alloc(_reservation?.Consume(index) == true) is not { } huge)
                        return null;
                    huge.SetMapping(Mapping);
                    huge.SetIndex(index);
                    _pages.Add(index, huge);
                    folio = huge;
                }
                else
                {
                    MmSim.Diagnostics.MmBug.On(!IsShmem, $"page {index} of regular file {Name} missing from its page cache");
                    folio = AddPageLocked(index) ?? throw Enomem();
                }
            }
            folio.Get();
            return folio;
        }
    }

    /// <summary>The cached page at <paramref name="index"/> without taking a reference, if any.</summary>
    internal Folio? Peek(ulong index)
    {
        lock (_pages)
            return _pages.TryGetValue(index, out var folio) ? folio : null;
    }

    private Folio? AddPage(ulong index)
    {
        lock (_pages)
            return AddPageLocked(index);
    }

    private Folio? AddPageLocked(ulong index)
    {
        if (_memory.AllocFolio(0, Gfp.Zero) is not { } folio)
            return null;
        folio.SetMapping(Mapping);
        folio.SetIndex(index);
        folio.Head.Set(PG.Uptodate);
        if (IsShmem)
            folio.Set(PG.SwapBacked);
        _pages.Add(index, folio);
        return folio;
    }

    private MmException Enomem() => new(Errno.ENOMEM, $"no free page for the page cache of {Name}");

    public override string ToString() => $"{Name} ({Length} bytes)";
}
