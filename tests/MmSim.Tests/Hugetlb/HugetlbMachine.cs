namespace MmSim.Tests.Hugetlb;

/// <summary>Machines with hugetlb pools and the sizes and flags the hugetlb tests map with.</summary>
internal static class HugetlbMachine
{
    public const ulong Page = 4096;
    public const ulong Huge = 2UL << 20;
    public const ulong Gig = 1UL << 30;
    public const int GigPages = 1 << 18;
    public const MapFlags AnonHuge = MapFlags.Private | MapFlags.Anonymous | MapFlags.HugeTlb;
    public const MapFlags AnonGig = AnonHuge | MapFlags.HugeTlb1G;

    /// <summary>32 MiB of RAM with <paramref name="pages"/> 2 MiB hugetlb pages.</summary>
    public static Machine WithPool(int pages, CowSemantics semantics = CowSemantics.AnonExclusive) =>
        new(new MachineOptions { MemoryBytes = 32L << 20, HugetlbPoolBytes = [pages * (long)Huge], Semantics = semantics, DebugVm = true });

    /// <summary>
    /// <paramref name="pages"/> 1 GiB pages (and <paramref name="hugeBytes"/> of 2 MiB ones): the lowest GiB holds the
    /// zero page, so it stays ordinary memory and the machine has one GiB more.
    /// </summary>
    public static Machine WithGiganticPool(int pages, long hugeBytes = 0) =>
        new(new MachineOptions { MemoryBytes = (pages + 1) * (long)Gig, HugetlbPoolBytes = [hugeBytes, pages * (long)Gig], DebugVm = true });
}
