using System;
using System.Threading;
using MmSim.Faults;
using MmSim.PageFlags;
using MmSim.PageTables;
using MmSim.Physical;

namespace MmSim.Vm;

/// <summary>
/// Loads and stores as the CPU does them: through the page table, faulting where the entry does not
/// allow the access (the hardware walk plus exc_page_fault / do_user_addr_fault).
/// </summary>
internal static class UserAccess
{
    public static void Read(Mm mm, ulong address, Span<byte> destination) => Copy(mm, address, destination, default, write: false);

    public static void Write(Mm mm, ulong address, ReadOnlySpan<byte> source) => Copy(mm, address, default, source, write: true);

    /// <summary>
    /// Copies page by page, each under the PT lock of the entry that maps it; a huge entry maps its pages in a row,
    /// so the copy goes on through all of them under its lock (the TLB holds one translation for the whole leaf).
    /// </summary>
    private static void Copy(Mm mm, ulong address, Span<byte> destination, ReadOnlySpan<byte> source, bool write)
    {
        int length = write ? source.Length : destination.Length;
        CheckRange(address, length, write);
        mm.MmapLock.EnterReadLock();
        try
        {
            for (int done = 0; done < length;)
            {
                var page = LockPage(mm, address + (ulong)done, write, out object ptl, out int shift);
                ulong leafEnd = PageTable.LeafEnd(address + (ulong)done, shift);
                try
                {
                    for (long pfn = page.Pfn; done < length && address + (ulong)done < leafEnd; pfn++)
                    {
                        ulong at = address + (ulong)done;
                        int offset = (int)(at & (PhysicalMemory.PageSize - 1));
                        int count = Math.Min(length - done, PhysicalMemory.PageSize - offset);
                        var mapped = mm.Memory.PfnToPage(pfn);
                        if (write)
                            mapped.WriteContents(offset, source.Slice(done, count));
                        else
                            mapped.ReadContents(offset, destination.Slice(done, count));
                        done += count;
                    }
                }
                finally
                {
                    Monitor.Exit(ptl);
                }
            }
        }
        finally
        {
            mm.MmapLock.ExitReadLock();
        }
    }

    /// <summary>What a failed fault becomes for the process.</summary>
    public static void Raise(VmFault fault, ulong address, bool write)
    {
        switch (fault)
        {
            case VmFault.Ok:
                return;
            case VmFault.Oom:
                throw new MmException(Errno.ENOMEM, $"out of memory handling a {(write ? "write" : "read")} fault at 0x{address:x}");
            case VmFault.SigBus:
                throw new BusErrorException(address, write, "access beyond the end of the mapped file, or no huge page");
            case VmFault.HwPoison:
                throw new BusErrorException(address, write, "the frame has a memory error", Errno.EHWPOISON);
        }
    }

    private static void CheckRange(ulong address, int length, bool write)
    {
        if (length > 0 && (address + (ulong)length < address || address + (ulong)length > Mm.TaskSize))
            throw new SegmentationFaultException(address, write, "access beyond the user address space");
    }

    /// <summary>
    /// One page: check the area, then walk, faulting until the entry allows the access. Returns the page
    /// with its PT lock held, so that it cannot be unmapped and freed during the copy.
    /// </summary>
    private static Page LockPage(Mm mm, ulong address, bool write, out object ptl, out int shift)
    {
        var vma = mm.VmaLookup(address) ?? throw new SegmentationFaultException(address, write, "no mapping");
        var needed = write ? VmFlags.Write : VmFlags.Read;
        if ((vma.Flags & needed) == 0)
            throw new SegmentationFaultException(address, write, $"the mapping does not allow {(write ? "writes" : "reads")}");
        var pageTable = mm.PageTable;
        while (true)
        {
            if (pageTable.TryGetLeaf(address, out var slot, out shift))
            {
                ptl = pageTable.PtLock(slot);
                Monitor.Enter(ptl);
                var pte = pageTable.Read(slot);
                if (pte.Kind == PteKind.Present && pte.IsHuge == (shift != PageTable.PageShift) && !pte.IsProtNone && (!write || pte.IsWrite))
                {
                    if (write && !pte.IsDirty)
                        pageTable.Write(slot, pte.WithDirty()); // the CPU sets the dirty bit
                    return mm.Memory.PfnToPage(PageTable.LeafPfn(pte, shift, address));
                }
                Monitor.Exit(ptl);
            }
            ulong pageAddress = address & ~(ulong)(PhysicalMemory.PageSize - 1);
            Raise(FaultHandler.HandleMmFault(vma, pageAddress, write ? FaultFlags.Write : FaultFlags.None), address, write);
        }
    }
}
