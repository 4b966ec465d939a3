using MmSim.Faults;
using MmSim.PageTables;

namespace MmSim.Vm;

/// <summary>change_protection() / change_pte_range() (mm/mprotect.c) for one whole area.</summary>
internal static class ChangeProtection
{
    /// <summary>
    /// mprotect_fixup()'s commit accounting: a private area that becomes writable is charged (VM_ACCOUNT); an
    /// anonymous one that becomes unwritable before any page was faulted in (no anon_vma) is uncharged. Areas
    /// that differ in VM_ACCOUNT do not merge.
    /// </summary>
    private static VmFlags Accounting(Vma vma, VmFlags flags)
    {
        if (flags.HasFlag(VmFlags.Write))
            return (vma.Flags & (VmFlags.Account | VmFlags.Write | VmFlags.HugeTlb | VmFlags.Shared)) == 0 ? flags | VmFlags.Account : flags;
        return flags.HasFlag(VmFlags.Account) && vma.IsAnonymous && vma.AnonVma is null ? flags & ~VmFlags.Account : flags;
    }

    public static void Apply(Vma vma, VmFlags newFlags)
    {
        vma.Flags = Accounting(vma, (vma.Flags & ~VmFlags.AccessMask) | newFlags);
        var pageTable = vma.Mm.PageTable;
        // change_huge_pmd(): a huge PMD the area covers whole keeps its size, PROT_NONE included
        bool accessible = (newFlags & (VmFlags.Read | VmFlags.Write | VmFlags.Exec)) != 0;
        for (ulong address = vma.Start; address < vma.End; address += Machine.PageSize)
        {
            if (!pageTable.TryGetLeaf(address, out var slot, out int shift))
            {
                address = (address | (PageTable.PmdSize - 1)) + 1 - Machine.PageSize;
                continue;
            }
            lock (pageTable.PtLock(slot))
            {
                var pte = pageTable.Read(slot);
                if (pte.Kind == PteKind.Present && pte.IsHuge == (shift != PageTable.PageShift))
                    pageTable.Write(slot, NewPte(vma, pte, accessible)); // change_huge_pmd() keeps the huge bit
                else if (!vma.Flags.HasFlag(VmFlags.Write) && pte.ReadableNonPresent() is { } readable)
                    pageTable.Write(slot, readable); // change_pte_range(): writable migration and device entries become readable
            }
            if (shift != PageTable.PageShift)
                address = PageTable.LeafEnd(address, shift) - Machine.PageSize;
        }
    }

    /// <summary>
    /// pte_modify(): without access the entry becomes PROT_NONE; otherwise it is R/O, and writable only
    /// where can_change_pte_writable() proves a write fault unnecessary.
    /// </summary>
    private static Pte NewPte(Vma vma, Pte pte, bool accessible)
    {
        if (!accessible)
            return pte.IsProtNone ? pte : pte.ToProtNone();
        var entry = pte.IsProtNone ? pte.FromProtNone() : pte;
        if (vma.IsHugetlb)
        {
            // hugetlb_change_protection(): huge_pte_modify() with the area's vm_page_prot and no can_change_pte_writable(),
            // so a private mapping's entries are R/O until a write fault (PAGE_COPY), a shared writable one's R/W
            return vma.Flags.HasFlag(VmFlags.Write) && !vma.IsCowMapping ? new Pte(entry.Raw | Pte.WriteBit) : entry.WithoutWrite();
        }
        if (!vma.Flags.HasFlag(VmFlags.Write))
            return entry.WithoutWrite();
        if (entry.IsWrite)
            return entry;
        if (!vma.Flags.HasFlag(VmFlags.SoftDirty) && !entry.IsSoftDirty)
            return entry; // soft-dirty tracking needs the write fault (vma_soft_dirty_enabled)
        var page = FaultHandler.VmNormalPage(vma.Mm, entry);
        return vma.Mm.Machine.Policy.CanChangePteWritable(vma, entry, page) ? entry.WithWriteDirty() : entry;
    }
}
