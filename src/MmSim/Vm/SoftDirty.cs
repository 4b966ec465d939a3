using MmSim.PageTables;

namespace MmSim.Vm;

/// <summary>clear_refs_write() with CLEAR_REFS_SOFT_DIRTY (fs/proc/task_mmu.c).</summary>
internal static class SoftDirty
{
    public static void Clear(Mm mm)
    {
        var pageTable = mm.PageTable;
        foreach (var vma in mm.Vmas)
        {
            vma.Flags &= ~VmFlags.SoftDirty;
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
                    if (pte.Kind == PteKind.Present && !pte.IsProtNone && pte.IsHuge == (shift != PageTable.PageShift))
                        pageTable.Write(slot, pte.WithoutSoftDirty()); // clear_soft_dirty_pmd() for a huge one
                }
                if (shift != PageTable.PageShift)
                    address = PageTable.LeafEnd(address, shift) - Machine.PageSize;
            }
        }
    }
}
