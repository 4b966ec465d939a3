using MmSim.Rmap;
using MmSim.Vm;

namespace MmSim.Fork;

/// <summary>dup_mmap() (kernel/fork.c): the child's areas, anon_vmas and entries, with the parent's mmap lock held for writing.</summary>
internal static class DupMmap
{
    /// <summary>Copies every area of <paramref name="parent"/> into <paramref name="child"/>; false on ENOMEM.</summary>
    public static bool Copy(Mm parent, Mm child)
    {
        foreach (var src in parent.Vmas)
        {
            if (src.Flags.HasFlag(VmFlags.DontCopy))
                continue; // MADV_DONTFORK: the child does not get the area at all
            var dst = new Vma(child, src.Start, src.End, src.Flags, src.File, src.PgOff) { Hstate = src.Hstate };
            child.Insert(dst);
            if (src.Flags.HasFlag(VmFlags.WipeOnFork))
                continue; // MADV_WIPEONFORK: the area, empty; a fresh anon_vma at its first fault
            AnonVmaFork(dst, src);
            if (src.IsHugetlb)
            {
                if (!Hugetlb.HugetlbFork.Copy(dst, src))
                    return false;
                continue;
            }
            // copy_page_range() skips areas whose pages can be faulted in again from their file
            if (src.AnonVma is null)
                continue;
            if (!CopyPageRange.Copy(dst, src))
                return false;
        }
        return true;
    }

    /// <summary>anon_vma_fork(): the child's area joins every anon_vma of the parent's and gets its own for new pages.</summary>
    private static void AnonVmaFork(Vma dst, Vma src)
    {
        if (src.AnonVma is null)
            return;
        foreach (var anonVma in src.AnonVmaChain)
        {
            anonVma.Link(dst);
            dst.AnonVmaChain.Add(anonVma);
        }
        var own = new AnonVma(dst.Mm.Memory, src.AnonVma);
        own.Link(dst);
        dst.AnonVmaChain.Add(own);
        dst.AnonVma = own;
    }
}
