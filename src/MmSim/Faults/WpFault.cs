using MmSim.Diagnostics;
using MmSim.PageFlags;
using MmSim.PageTables;
using MmSim.Physical;
using MmSim.Rmap;
using MmSim.Vm;

namespace MmSim.Faults;

/// <summary>
/// do_wp_page() and its helpers (mm/memory.c): a write or unshare fault on an entry mapped R/O. Reuse
/// in place only when the generation's policy proves sole ownership; otherwise copy (wp_page_copy).
/// </summary>
internal static class WpFault
{
    /// <summary>do_wp_page(), entered with the PT lock held.</summary>
    public static VmFault DoWpPage(Vma vma, PteSlot slot, Pte pte, ulong address, FaultFlags flags, ref FaultPage newPage)
    {
        bool unshare = (flags & FaultFlags.Unshare) != 0;
        if (unshare && !vma.IsCowMapping)
            return VmFault.Ok; // 6.2: unsharing only applies to COW mappings
        var mm = vma.Mm;
        var page = FaultHandler.VmNormalPage(mm, pte);
        if (page is not { } mapped)
            return WpPageCopy(vma, slot, pte, null, address, unshare, ref newPage); // the zero page
        if (mapped.IsAnon)
        {
            if (!mm.Machine.Policy.WpCanReuseAnon(mapped, vma))
                return WpPageCopy(vma, slot, pte, mapped, address, unshare, ref newPage);
            if (!unshare)
                WpPageReuse(vma, slot, pte);
            return VmFault.Ok;
        }
        if (!unshare && vma.Flags.HasFlag(VmFlags.Shared) && vma.Flags.HasFlag(VmFlags.Write))
        {
            // wp_page_shared(): a shared file page becomes writable and dirty
            mapped.Folio.Set(PG.Dirty);
            mm.PageTable.Write(slot, pte.WithWriteDirty());
            return VmFault.Ok;
        }
        return WpPageCopy(vma, slot, pte, mapped, address, unshare, ref newPage);
    }

    /// <summary>
    /// wp_page_reuse(): the page stays, the entry becomes dirty and, if the area allows, writable. Under
    /// the anon-exclusive design the page must be exclusive by now.
    /// </summary>
    private static void WpPageReuse(Vma vma, PteSlot slot, Pte pte)
    {
        var page = FaultHandler.VmNormalPage(vma.Mm, pte);
        if (vma.Mm.Memory.DebugVm && vma.Mm.Machine.Policy.TracksExclusivity && page is { IsAnon: true } anon)
            MmBug.VmOn(!anon.IsAnonExclusive, anon, "wp_page_reuse of an anon page that is not exclusive");
        var entry = pte.WithDirty();
        if (vma.Flags.HasFlag(VmFlags.Write))
            entry = entry.WithWriteDirty();
        vma.Mm.PageTable.Write(slot, entry);
    }

    /// <summary>
    /// wp_page_copy(): a new exclusive anonymous page with the old contents (zeroed for the zero page)
    /// replaces the old entry; writable unless this is an unshare fault. The old page loses one mapping.
    /// </summary>
    private static VmFault WpPageCopy(Vma vma, PteSlot slot, Pte pte, Page? old, ulong address, bool unshare, ref FaultPage newPage)
    {
        var mm = vma.Mm;
        if (!newPage.TryTake(old is null ? Gfp.Zero : Gfp.None, out var folio))
            return VmFault.NeedPage;
        if (old is { } source)
            folio.Head.CopyContentsFrom(source);
        AnonRmap.PageAddNewAnonRmap(folio.Head, vma, address, mm.Machine.Policy.TracksExclusivity);
        var entry = unshare ? Pte.Present(folio.Head.Pfn, write: false) : FaultHandler.MkAnonPte(folio.Head, vma, writeFault: true);
        MmBug.On(unshare && entry.IsWrite, folio.Head, "an unshare fault produced a writable entry");
        mm.PageTable.Write(slot, entry);
        if (old is { } replaced)
        {
            AnonRmap.PageRemoveRmap(replaced, vma);
            replaced.Folio.Put();
        }
        return VmFault.Ok;
    }
}
