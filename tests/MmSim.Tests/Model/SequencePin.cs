using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace MmSim.Tests.Model;

/// <summary>A long-term pin a random sequence holds on one page of its owner.</summary>
internal sealed record SequencePin(SequenceOwner Owner, int Index, GupPages Pages, bool Writable)
{
    /// <summary>False once the owner dropped the page (DONTNEED) or exited: the pin keeps a page nobody maps.</summary>
    public bool Attached { get; set; } = true;

    /// <summary>A long-term pin, R/W or R/O, sees what its owner's page table maps (the point of PG_anon_exclusive).</summary>
    public static void CheckAttached(IEnumerable<SequencePin> pins)
    {
        foreach (var pin in pins.Where(pin => pin.Attached))
        {
            var seen = new byte[1];
            pin.Pages.Read(0, 0, seen);
            Assert.True(pin.Owner.Values[pin.Index] == seen[0], $"the pin of {pin.Owner.Process} page {pin.Index} reads {seen[0]}, the owner has {pin.Owner.Values[pin.Index]}");
        }
    }
}
