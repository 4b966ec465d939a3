using System.Collections.Generic;
using System.Threading;
using MmSim.PageTables;
using MmSim.Physical;
using MmSim.Rmap;

namespace MmSim.Vm;

/// <summary>
/// struct mm_struct: a process's address space. Areas are kept sorted by address; the page table
/// lives in simulated RAM. <see cref="MmapLock"/> is mmap_lock (faults and GUP read, layout changes and
/// fork write); <see cref="WriteProtectSeq"/> is the seqcount GUP-fast checks against fork.
/// </summary>
internal sealed class Mm
{
    /// <summary>TASK_SIZE of x86-64 with 4-level tables: 128 TiB.</summary>
    public const ulong TaskSize = 1UL << 47;

    /// <summary>mmap_min_addr: the lowest address mmap hands out or accepts.</summary>
    public const ulong MmapMinAddr = 0x10000;

    /// <summary>Where top-down placement starts (mmap_base).</summary>
    public const ulong MmapBase = 0x7f00_0000_0000;

    private int _writeProtectSeq;

    public Mm(Machine machine, PageTable pageTable)
    {
        Machine = machine;
        PageTable = pageTable;
        Id = machine.MmIds.Alloc();
    }

    public Machine Machine { get; }

    /// <summary>mm-&gt;mm_id (CONFIG_MM_ID): large folios charge their mappings to it.</summary>
    public uint Id { get; }

    public PhysicalMemory Memory => Machine.Memory;

    public PageTable PageTable { get; }

    /// <summary>The areas, sorted by start, not overlapping.</summary>
    public List<Vma> Vmas { get; } = new();

    /// <summary>mmap_lock.</summary>
    public ReaderWriterLockSlim MmapLock { get; } = new(LockRecursionPolicy.SupportsRecursion);

    /// <summary>
    /// Held for reading by a lockless GUP-fast walk and for writing while page tables are freed:
    /// the role that disabled interrupts and RCU table freeing play in the kernel.
    /// </summary>
    public ReaderWriterLockSlim TableFreeLock { get; } = new(LockRecursionPolicy.SupportsRecursion);

    /// <summary>MMF_HAS_PINNED: sticky once anything in this mm was FOLL_PIN'ed.</summary>
    public bool HasPinned { get; set; }

    /// <summary>mm-&gt;write_protect_seq: odd while fork write-protects COW areas.</summary>
    public int WriteProtectSeq => Volatile.Read(ref _writeProtectSeq);

    /// <summary>raw_write_seqcount_begin / _end.</summary>
    public void WriteProtectSeqBump() => Interlocked.Increment(ref _writeProtectSeq);

    /// <summary>find_vma(): the first area that ends above <paramref name="address"/>, or null.</summary>
    public Vma? FindVma(ulong address)
    {
        int lo = 0, hi = Vmas.Count - 1, found = -1;
        while (lo <= hi)
        {
            int mid = (lo + hi) / 2;
            if (Vmas[mid].End > address)
            {
                found = mid;
                hi = mid - 1;
            }
            else
            {
                lo = mid + 1;
            }
        }
        return found < 0 ? null : Vmas[found];
    }

    /// <summary>vma_lookup(): the area containing <paramref name="address"/>, or null.</summary>
    public Vma? VmaLookup(ulong address) => FindVma(address) is { } vma && vma.Start <= address ? vma : null;

    /// <summary>
    /// Inserts an area at its sorted place (vma_link), found by binary search: dup_mmap() inserts the
    /// parent's areas in order, each at the end, so a fork stays linear in the number of areas.
    /// </summary>
    public void Insert(Vma vma)
    {
        int lo = 0, hi = Vmas.Count;
        while (lo < hi)
        {
            int mid = (lo + hi) / 2;
            if (Vmas[mid].Start < vma.Start)
                lo = mid + 1;
            else
                hi = mid;
        }
        Vmas.Insert(lo, vma);
    }

    /// <summary>anon_vma_prepare(): gives the area an anon_vma before its first anonymous page.</summary>
    public AnonVma AnonVmaPrepare(Vma vma)
    {
        if (vma.AnonVma is { } existing)
            return existing;
        lock (vma)
        {
            if (vma.AnonVma is null)
            {
                var anonVma = new AnonVma(Memory, null);
                anonVma.Link(vma);
                vma.AnonVmaChain.Add(anonVma);
                vma.AnonVma = anonVma;
            }
            return vma.AnonVma;
        }
    }
}
