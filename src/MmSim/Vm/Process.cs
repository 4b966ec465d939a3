using System;
using System.Collections.Generic;
using System.Threading;
using MmSim.Fork;
using MmSim.Gup;
using MmSim.PageTables;
using MmSim.Vm;

namespace MmSim;

/// <summary>
/// A simulated process: an address space and the system calls that change it. Every call checks its
/// arguments as the kernel does and fails with the kernel's errno; after <see cref="Exit"/> every call
/// is ESRCH.
/// </summary>
public sealed class Process
{
    private readonly Machine _machine;
    private int _exited;

    internal Process(Machine machine, int pid, Mm mm)
    {
        _machine = machine;
        Pid = pid;
        Mm = mm;
    }

    /// <summary>The machine the process runs on.</summary>
    public Machine Machine => _machine;

    /// <summary>The process id.</summary>
    public int Pid { get; }

    internal Mm Mm { get; }

    /// <summary>Page-table pages of this process.</summary>
    internal int PageTablePages => Mm.PageTable.TablePages;

    /// <summary>mmap(): maps <paramref name="length"/> bytes and returns the address.</summary>
    public ulong Mmap(ulong address, ulong length, Prot prot, MapFlags flags, SimFile? file = null, ulong offset = 0)
    {
        EnsureAlive();
        bool shared = (flags & MapFlags.Shared) != 0;
        if (shared == ((flags & MapFlags.Private) != 0))
            throw new MmException(Errno.EINVAL, "mmap needs exactly one of MAP_PRIVATE and MAP_SHARED");
        if (length == 0)
            throw new MmException(Errno.EINVAL, "mmap of zero length");
        if ((offset & PageMask) != 0)
            throw new MmException(Errno.EINVAL, $"file offset 0x{offset:x} is not page aligned");
        ulong aligned = PageAlign(length);
        if (aligned == 0 || aligned > Mm.TaskSize)
            throw new MmException(Errno.ENOMEM, $"mapping of {length} bytes is larger than the address space");
        bool fixedAddress = (flags & MapFlags.Fixed) != 0;
        if (fixedAddress && (address & PageMask) != 0)
            throw new MmException(Errno.EINVAL, $"MAP_FIXED address 0x{address:x} is not page aligned");
        if (fixedAddress && (address < Mm.MmapMinAddr || address + aligned > Mm.TaskSize || address + aligned < address))
            throw new MmException(address < Mm.MmapMinAddr ? Errno.EPERM : Errno.ENOMEM, $"MAP_FIXED range at 0x{address:x} is outside the user address space");
        bool anonymous = (flags & MapFlags.Anonymous) != 0;
        var hstate = HugetlbHstate(flags, file, anonymous);
        bool hugetlb = hstate is not null;
        if (hstate is not null)
        {
            // hugetlb_get_unmapped_area(): lengths and addresses in whole huge pages
            ulong mask = hstate.Size - 1;
            aligned = (aligned + mask) & ~mask;
            if (aligned == 0 || aligned > Mm.TaskSize)
                throw new MmException(Errno.ENOMEM, $"mapping of {length} bytes in {hstate.SizeName} pages is larger than the address space");
            if (fixedAddress && (address & mask) != 0)
                throw new MmException(Errno.EINVAL, $"MAP_HUGETLB address 0x{address:x} is not {hstate.SizeName} aligned");
            if (!anonymous && (offset & mask) != 0)
                throw new MmException(Errno.EINVAL, $"a hugetlbfs file needs a {hstate.SizeName} aligned offset, not 0x{offset:x}");
        }
        if (!anonymous && file is null)
            throw new MmException(Errno.EBADF, "a file mapping needs a file");
        if (anonymous)
        {
            file = null;
            offset = 0;
        }

        var vmFlags = VmFlagsExtensions.FromProt(prot) | VmFlags.MayRead | VmFlags.MayWrite | VmFlags.MayExec | VmFlags.SoftDirty
            | (hugetlb ? VmFlags.HugeTlb : VmFlags.None);
        if (shared)
            vmFlags |= VmFlags.Shared | VmFlags.MayShare;
        else if (vmFlags.HasFlag(VmFlags.Write) && !hugetlb)
            vmFlags |= VmFlags.Account; // accountable_mapping()
        ulong result;
        Mm.MmapLock.EnterWriteLock();
        try
        {
            ulong align = hstate?.Size ?? MmapRegion.Alignment(_machine, anonymous && !shared, aligned);
            result = fixedAddress ? address : MmapRegion.GetUnmappedArea(Mm, address & ~PageMask, aligned, align);
            if (result == 0)
                throw new MmException(Errno.ENOMEM, $"no free range of {aligned} bytes");
            if (anonymous && shared)
                file = _machine.CreateSharedAnonFile((long)aligned, hstate); // a hugetlb one reserves its pages, or ENOMEM
            ulong pgoff = file is null ? result >> PageTable.PageShift : offset >> PageTable.PageShift;
            var reservation = hstate is not null && file is null ? ReserveHugetlb(hstate, result, aligned) : null;
            var vma = MmapRegion.Map(Mm, result, aligned, vmFlags, file, pgoff, file is null ? hstate : null);
            vma.HugetlbReservation = reservation;
        }
        finally
        {
            Mm.MmapLock.ExitWriteLock();
        }
        if ((flags & MapFlags.Populate) != 0)
            PopulateIgnoringErrors(result, aligned, (prot & Prot.Write) != 0 && !shared);
        return result;
    }

    /// <summary>
    /// The hstate of a hugetlb mapping (hugetlb_file_setup() with the MAP_HUGE_* size of the flags, or the file's):
    /// null for other mappings. MAP_HUGETLB on a file that is not hugetlbfs is EINVAL, as is a size the machine has
    /// no pool of; a hugetlbfs file keeps its own page size.
    /// </summary>
    private Hugetlb.HugetlbPool? HugetlbHstate(MapFlags flags, SimFile? file, bool anonymous)
    {
        bool hugeFlag = (flags & (MapFlags.HugeTlb | MapFlags.HugeTlb1G)) != 0;
        if (!anonymous && file is not null)
        {
            if (hugeFlag && !file.IsHugetlb)
                throw new MmException(Errno.EINVAL, "MAP_HUGETLB of a file that is not on hugetlbfs");
            return file.Hstate;
        }
        if (!hugeFlag || !anonymous)
            return null;
        return (flags & MapFlags.HugeTlb1G) != 0 ? _machine.Gigantic("MAP_HUGETLB | MAP_HUGE_1GB") : _machine.DefaultHstate;
    }

    /// <summary>hugetlb_reserve_pages() for a private hugetlb mapping: ENOMEM when the pool cannot cover it.</summary>
    private static Hugetlb.HugetlbReservation ReserveHugetlb(Hugetlb.HugetlbPool pool, ulong start, ulong length)
    {
        var indexes = new System.Collections.Generic.List<ulong>();
        for (ulong offset = 0; offset < length; offset += pool.Size)
            indexes.Add((start + offset) >> PageTable.PageShift);
        return Hugetlb.HugetlbReservation.Reserve(pool, indexes, "MAP_HUGETLB");
    }

    /// <summary>munmap(): a hole in the range is fine.</summary>
    public void Munmap(ulong address, ulong length)
    {
        EnsureAlive();
        ulong end = CheckRange(address, length, zeroLengthOk: false, Errno.EINVAL);
        WithWriteLock(() => VmaOps.Unmap(Mm, address, end));
    }

    /// <summary>mprotect(): the whole range must be mapped (ENOMEM otherwise).</summary>
    public void Mprotect(ulong address, ulong length, Prot prot)
    {
        EnsureAlive();
        ulong end = CheckRange(address, length, zeroLengthOk: true, Errno.ENOMEM);
        if (end == address)
            return;
        WithWriteLock(() =>
        {
            EnsureCovered(address, end);
            var newFlags = VmFlagsExtensions.FromProt(prot);
            foreach (var vma in Mm.Vmas.FindAll(v => v.Start < end && v.End > address))
            {
                if ((newFlags & VmFlags.Write) != 0 && !vma.Flags.HasFlag(VmFlags.MayWrite))
                    throw new MmException(Errno.EACCES, $"{vma} may not become writable");
            }
            // mprotect_fixup(): an area that already has the protection is left whole and untouched
            bool Changes(Vma vma) => (vma.Flags & VmFlags.AccessMask) != newFlags;
            VmaOps.SplitRangeWhere(Mm, address, end, Changes);
            foreach (var vma in Mm.Vmas.FindAll(v => v.Start >= address && v.End <= end && Changes(v)))
                ChangeProtection.Apply(vma, newFlags);
            VmaOps.MergeAround(Mm, address, end);
        });
    }

    /// <summary>mremap(): resize in place, or move with MayMove / Fixed; DontUnmap leaves the old range mapped and empty.</summary>
    public ulong Mremap(ulong oldAddress, ulong oldLength, ulong newLength, MremapFlags flags, ulong newAddress = 0)
    {
        EnsureAlive();
        if ((oldAddress & PageMask) != 0)
            throw new MmException(Errno.EINVAL, $"old address 0x{oldAddress:x} is not page aligned");
        if ((flags & ~(MremapFlags.MayMove | MremapFlags.Fixed | MremapFlags.DontUnmap)) != 0 ||
            ((flags & (MremapFlags.Fixed | MremapFlags.DontUnmap)) != 0 && (flags & MremapFlags.MayMove) == 0))
            throw new MmException(Errno.EINVAL, $"invalid mremap flags {flags}");
        ulong oldAligned = PageAlign(oldLength);
        ulong newAligned = PageAlign(newLength);
        if (newAligned == 0)
            throw new MmException(Errno.EINVAL, "mremap to zero length");
        if ((flags & MremapFlags.DontUnmap) != 0 && oldAligned != newAligned)
            throw new MmException(Errno.EINVAL, "MREMAP_DONTUNMAP needs equal old and new lengths");
        if ((flags & MremapFlags.Fixed) != 0 && ((newAddress & PageMask) != 0 || newAddress + newAligned > Mm.TaskSize || newAddress < Mm.MmapMinAddr))
            throw new MmException(Errno.EINVAL, $"MREMAP_FIXED address 0x{newAddress:x} is not a valid page-aligned user address");
        if (oldAligned == 0)
            throw new MmException(Errno.EINVAL, "mremap of zero length (duplicating shared mappings is not supported)");
        ulong result = 0;
        bool moveOnly = (flags & MremapFlags.Fixed) != 0 && oldAligned == newAligned; // vrm_move_only()
        WithWriteLock(() => result = moveOnly
            ? MremapOps.RemapMove(Mm, oldAddress, oldAligned, flags, newAddress)
            : MremapOps.Remap(Mm, oldAddress, oldAligned, newAligned, flags, newAddress));
        return result;
    }

    /// <summary>madvise(): a hole in the range is ENOMEM; zero length succeeds.</summary>
    public void Madvise(ulong address, ulong length, Advice advice)
    {
        EnsureAlive();
        if (!Enum.IsDefined(advice))
            throw new MmException(Errno.EINVAL, $"unknown advice {(int)advice}");
        ulong end = CheckRange(address, length, zeroLengthOk: true, Errno.ENOMEM);
        if (end == address)
            return;
        WithWriteLock(() =>
        {
            EnsureCovered(address, end);
            MadviseOps.Apply(Mm, address, end, advice);
        });
    }

    /// <summary>A load of <paramref name="destination"/>.Length bytes at <paramref name="address"/>.</summary>
    public void Read(ulong address, Span<byte> destination)
    {
        EnsureAlive();
        UserAccess.Read(Mm, address, destination);
    }

    /// <summary>A store of <paramref name="source"/> at <paramref name="address"/>.</summary>
    public void Write(ulong address, ReadOnlySpan<byte> source)
    {
        EnsureAlive();
        UserAccess.Write(Mm, address, source);
    }

    /// <summary>fork(): a child with a copy-on-write copy of the address space.</summary>
    public Process Fork()
    {
        EnsureAlive();
        var child = _machine.CreateProcess();
        bool copied;
        Mm.MmapLock.EnterWriteLock();
        try
        {
            copied = DupMmap.Copy(Mm, child.Mm);
        }
        finally
        {
            Mm.MmapLock.ExitWriteLock();
        }
        if (!copied)
        {
            child.Exit();
            throw new MmException(Errno.ENOMEM, "out of memory copying the address space");
        }
        return child;
    }

    /// <summary>exit(): the address space goes away; pinned pages stay until their pins are released.</summary>
    public void Exit()
    {
        if (Interlocked.Exchange(ref _exited, 1) != 0)
            throw new MmException(Errno.ESRCH, $"process {Pid} has exited");
        Mm.MmapLock.EnterWriteLock();
        try
        {
            // exit_mmap(): unmap everything, then free every page table
            foreach (var vma in Mm.Vmas.ToArray())
            {
                Zap.Range(vma, vma.Start, vma.End);
                VmaOps.Remove(Mm, vma);
            }
            Mm.TableFreeLock.EnterWriteLock();
            try
            {
                Mm.PageTable.FreeAll();
            }
            finally
            {
                Mm.TableFreeLock.ExitWriteLock();
            }
            _machine.MmIds.Free(Mm.Id); // __mmdrop(): mm_free_id()
        }
        finally
        {
            Mm.MmapLock.ExitWriteLock();
        }
        _machine.Forget(this);
    }

    /// <summary>get_user_pages(): FOLL_GET references (vmsplice); never unshares.</summary>
    [MmSim.Contracts.GetsReference]
    public GupPages GetUserPages(ulong address, int pageCount, GupFlags flags)
    {
        EnsureAlive();
        return GetUserPagesEngine.Take(Mm, address, pageCount, flags, pin: false);
    }

    /// <summary>pin_user_pages(): FOLL_PIN pins (io_uring, O_DIRECT, RDMA).</summary>
    [MmSim.Contracts.Pins]
    public GupPages PinUserPages(ulong address, int pageCount, GupFlags flags)
    {
        EnsureAlive();
        return GetUserPagesEngine.Take(Mm, address, pageCount, flags, pin: true);
    }

    /// <summary>
    /// Writing "4" to /proc/pid/clear_refs: clears the soft-dirty bits, write-protecting every present entry
    /// so that the next write to each page faults, and starts soft-dirty tracking on every area.
    /// </summary>
    public void ClearSoftDirty()
    {
        EnsureAlive();
        WithWriteLock(() => SoftDirty.Clear(Mm));
    }

    /// <summary>
    /// move_pages(2) to the one node: migrates each present anonymous page of the range to a new frame.
    /// The status of each page is 0 (moved) or a negative errno: -ENOENT (not present or not anonymous),
    /// -EFAULT (no mapping), -EBUSY (pinned or referenced: not moved). A KSM page moves for every process
    /// that maps it. A THP moves whole to a new THP,
    /// once per call, and keeps its PMD or PTE mappings and each page's exclusivity; with no free THP it is
    /// split and its pages move one by one.
    /// </summary>
    public IReadOnlyList<int> MovePages(ulong address, int pageCount)
    {
        var movedLarge = new HashSet<long>(); // a THP is isolated and moved once per call
        return EachPage(address, pageCount, at => Migration.MigratePages.MigratePageAt(
            Mm, at, folio => Migration.MigratePages.AllocLike(_machine, folio, Physical.Gfp.Movable), Errno.EBUSY, movedLarge));
    }

    /// <summary>
    /// A driver's migrate_vma_*() over the range: each present anonymous page moves to device-private memory
    /// (MachineOptions.DevicePrivateBytes), leaving a device-private entry; the CPU's next access brings it
    /// back. The status of each page is 0 (moved) or a negative errno: -EFAULT (no mapping), -ENOENT (not
    /// present or not anonymous), -EBUSY (large, KSM, pinned or referenced: not moved), -ENOMEM (device memory full).
    /// </summary>
    public IReadOnlyList<int> MigrateToDevice(ulong address, int pageCount) =>
        EachPage(address, pageCount, at => Device.DevicePrivate.MigrateToDevice(Mm, at));

    /// <summary>
    /// make_device_exclusive() over the range, as a driver does for a device's atomic access: each page is
    /// write-faulted (breaking COW), then its entry becomes a device-exclusive entry; the CPU's next access
    /// takes the page back. The status of each page is 0 or a negative errno: -EFAULT (no mapping, or the
    /// write fault failed), -EBUSY (not an anonymous small page).
    /// </summary>
    public IReadOnlyList<int> MakeDeviceExclusive(ulong address, int pageCount) =>
        EachPage(address, pageCount, at => Device.DeviceExclusive.Make(Mm, at));

    /// <summary>A per-page call of move_pages() and the driver entry points: a status for each page, under the mmap lock for reading.</summary>
    private int[] EachPage(ulong address, int pageCount, Func<ulong, int> page)
    {
        EnsureAlive();
        if (pageCount <= 0)
            throw new MmException(Errno.EINVAL, $"page count {pageCount} must be positive");
        var status = new int[pageCount];
        Mm.MmapLock.EnterReadLock();
        try
        {
            for (int i = 0; i < pageCount; i++)
                status[i] = page((address & ~PageMask) + (ulong)i * Machine.PageSize);
        }
        finally
        {
            Mm.MmapLock.ExitReadLock();
        }
        return status;
    }

    /// <summary>One page of move_pages(2): a movable frame; a failed allocation is reported as -EBUSY, as before.</summary>
    /// <summary>/proc/pid/pagemap and /proc/kpageflags for the page at <paramref name="address"/>.</summary>
    public PageMapEntry PageMap(ulong address)
    {
        EnsureAlive();
        Mm.MmapLock.EnterReadLock();
        try
        {
            return PageMapReader.Read(Mm, address);
        }
        finally
        {
            Mm.MmapLock.ExitReadLock();
        }
    }

    public override string ToString() => $"process {Pid}";

    private const ulong PageMask = Machine.PageSize - 1;

    private static ulong PageAlign(ulong length) => (length + PageMask) & ~PageMask;

    private void EnsureAlive()
    {
        if (Volatile.Read(ref _exited) != 0)
            throw new MmException(Errno.ESRCH, $"process {Pid} has exited");
    }

    /// <summary>An aligned start and a rounded length that stay in the user address space; returns the end.</summary>
    private static ulong CheckRange(ulong address, ulong length, bool zeroLengthOk, Errno wrapErrno)
    {
        if ((address & PageMask) != 0)
            throw new MmException(Errno.EINVAL, $"address 0x{address:x} is not page aligned");
        if (length == 0)
        {
            if (zeroLengthOk)
                return address;
            throw new MmException(Errno.EINVAL, "zero length");
        }
        ulong end = address + PageAlign(length);
        if (end <= address || PageAlign(length) == 0 || end > Mm.TaskSize)
            throw new MmException(wrapErrno, $"range at 0x{address:x} of {length} bytes leaves the user address space");
        return end;
    }

    private void EnsureCovered(ulong start, ulong end)
    {
        for (ulong at = start; at < end;)
        {
            var vma = Mm.VmaLookup(at) ?? throw new MmException(Errno.ENOMEM, $"no mapping at 0x{at:x}");
            at = vma.End;
        }
    }

    private void WithWriteLock(Action action)
    {
        Mm.MmapLock.EnterWriteLock();
        try
        {
            action();
        }
        finally
        {
            Mm.MmapLock.ExitWriteLock();
        }
    }

    /// <summary>mm_populate() after MAP_POPULATE: errors are ignored, as the kernel ignores them.</summary>
    private void PopulateIgnoringErrors(ulong address, ulong length, bool write)
    {
        Mm.MmapLock.EnterReadLock();
        try
        {
            for (ulong at = address; at < address + length; at += Machine.PageSize)
            {
                if (Mm.VmaLookup(at) is { } vma && GetUserPagesEngine.Populate(vma, at, write) != Faults.VmFault.Ok)
                    return;
            }
        }
        finally
        {
            Mm.MmapLock.ExitReadLock();
        }
    }
}
