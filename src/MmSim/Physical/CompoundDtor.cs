namespace MmSim.Physical;

/// <summary>What kind of large folio a compound page is (<c>enum compound_dtor_id</c>, Linux 6.1).</summary>
public enum CompoundDtor : byte
{
    /// <summary>COMPOUND_PAGE_DTOR: a plain compound page.</summary>
    Compound = 1,
    /// <summary>HUGETLB_PAGE_DTOR: a hugetlb page.</summary>
    Hugetlb = 2,
    /// <summary>TRANSHUGE_PAGE_DTOR: a transparent huge page.</summary>
    TransHuge = 3,
}
