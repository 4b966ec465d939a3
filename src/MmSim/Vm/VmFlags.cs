using System;

namespace MmSim.Vm;

/// <summary>vm_area_struct-&gt;vm_flags (include/linux/mm.h), the subset the simulator uses.</summary>
[Flags]
internal enum VmFlags : ulong
{
    None = 0,
    Read = 0x1,
    Write = 0x2,
    Exec = 0x4,
    Shared = 0x8,
    MayRead = 0x10,
    MayWrite = 0x20,
    MayExec = 0x40,
    MayShare = 0x80,
    /// <summary>VM_ACCOUNT: the area's pages are charged to the commit limit (private writable mappings).</summary>
    Account = 0x100000,
    /// <summary>VM_DONTCOPY: MADV_DONTFORK.</summary>
    DontCopy = 0x20000,
    /// <summary>VM_HUGETLB.</summary>
    HugeTlb = 0x400000,
    /// <summary>VM_SOFTDIRTY: set on new areas; cleared by clear_refs to start soft-dirty tracking.</summary>
    SoftDirty = 0x8000000,
    /// <summary>VM_WIPEONFORK: the child gets the area empty.</summary>
    WipeOnFork = 0x2000000,
    /// <summary>VM_HUGEPAGE: MADV_HUGEPAGE.</summary>
    HugePage = 0x20000000,
    /// <summary>VM_NOHUGEPAGE: MADV_NOHUGEPAGE.</summary>
    NoHugePage = 0x40000000,
    /// <summary>VM_MERGEABLE: MADV_MERGEABLE (KSM).</summary>
    Mergeable = 0x80000000,

    AccessMask = Read | Write | Exec,
}

internal static class VmFlagsExtensions
{
    /// <summary>is_cow_mapping(): private and may become writable.</summary>
    public static bool IsCowMapping(this VmFlags flags) => (flags & (VmFlags.Shared | VmFlags.MayWrite)) == VmFlags.MayWrite;

    /// <summary>calc_vm_prot_bits(): PROT_* to VM_READ / VM_WRITE / VM_EXEC.</summary>
    public static VmFlags FromProt(Prot prot) =>
        ((prot & Prot.Read) != 0 ? VmFlags.Read : 0) |
        ((prot & Prot.Write) != 0 ? VmFlags.Write : 0) |
        ((prot & Prot.Exec) != 0 ? VmFlags.Exec : 0);
}
