namespace MmSim.Faults;

/// <summary>The outcome of a fault (vm_fault_t).</summary>
internal enum VmFault
{
    /// <summary>Handled; retry the access.</summary>
    Ok,
    /// <summary>VM_FAULT_OOM: no memory for a page or a page table.</summary>
    Oom,
    /// <summary>VM_FAULT_SIGBUS: beyond the end of a file.</summary>
    SigBus,
    /// <summary>VM_FAULT_HWPOISON: the entry names a frame with a memory error.</summary>
    HwPoison,
    /// <summary>The handler needs a new page: allocate it without the PT lock and run the handler again.</summary>
    NeedPage,
}
