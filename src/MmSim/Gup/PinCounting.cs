namespace MmSim.Gup;

/// <summary>How FOLL_PIN pins are counted (mm/gup.c try_grab_folio, include/linux/mm.h).</summary>
public static class PinCounting
{
    /// <summary>
    /// GUP_PIN_COUNTING_BIAS: a FOLL_PIN on a small folio adds this much to the refcount, so that
    /// folio_maybe_dma_pinned() can tell pins from ordinary references (approximately).
    /// </summary>
    public const int Bias = 1 << 10;
}
