using MmSim.PageFlags;
using Xunit;

namespace MmSim.Tests.PageFlags;

/// <summary>Anon, KSM and movable detection from the low bits of ->mapping.</summary>
public class PageMappingTests
{
    [Theory]
    [InlineData(0x1u, true, false, false)]
    [InlineData(0x3u, true, true, false)]
    [InlineData(0x2u, false, false, true)]
    [InlineData(0x0u, false, false, false)]
    public void Low_bits_decide_the_kind(uint lowBits, bool anon, bool ksm, bool movable)
    {
        var mapping = new PageMapping((5u << 2) | lowBits);

        Assert.Equal(anon, mapping.IsAnon);
        Assert.Equal(ksm, mapping.IsKsm);
        Assert.Equal(movable, mapping.IsMovable);
        Assert.Equal(5, mapping.ObjectId);
    }

    [Fact]
    public void Constructors_set_the_kernel_bits()
    {
        Assert.Equal(PageMapping.AnonBit, PageMapping.Anon(1).Raw & PageMapping.FlagBits);
        Assert.Equal(PageMapping.KsmBits, PageMapping.Ksm(1).Raw & PageMapping.FlagBits);
        Assert.Equal(PageMapping.MovableBit, PageMapping.Movable(1).Raw & PageMapping.FlagBits);
        Assert.Equal(0u, PageMapping.File(1).Raw & PageMapping.FlagBits);
        Assert.True(PageMapping.None.IsNull);
    }

    [Fact]
    public void A_tail_page_answers_for_its_folio()
    {
        var folio = TestMemory.Create().AllocAnon(order: 3);

        Assert.True(folio.Page(7).IsAnon);
        Assert.False(folio.Page(7).IsKsm);
        folio.SetMapping(PageMapping.Ksm(2));
        Assert.True(folio.Page(7).IsKsm);
    }
}
