using MmSim.PageFlags;

namespace AnalyzerTour.Fixes;

public static class WriteByMapcount
{
    public static bool Reuse(Page page)
    {
        if (page.IsAnon && page.IsAnonExclusive) // MM0007: exclusivity, not mapcount, decides reuse
        {
            Pgtable.MkWrite(page);
            return true;
        }
        return false; // the caller copies (wp_page_copy)
    }
}
