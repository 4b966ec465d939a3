using System.Collections.Generic;

namespace MmSim.Tests.Model;

/// <summary>
/// The trivially correct memory model the simulator is compared with: a process maps slots to cells of
/// bytes; fork deep-copies private cells and shares shared ones; a pin holds on to the cell its owner
/// mapped when it was taken, so it sees what its owner sees until the owner unmaps or drops that page.
/// </summary>
internal sealed class ReferenceModel
{
    public const int Slots = 16;

    public sealed class Cell
    {
        public byte[] Bytes { get; } = new byte[Machine.PageSize];
    }

    public sealed class Slot
    {
        public required Prot Prot { get; set; }
        public required bool Shared { get; init; }
        public Cell? Cell { get; set; } // null: never touched (reads as zeros)
        public int Region { get; init; } // slots mapped by one mmap call share it (mremap and munmap act per page)
    }

    public sealed class ModelProcess
    {
        public Slot?[] Slots { get; } = new Slot?[ReferenceModel.Slots];

        public ModelProcess Fork()
        {
            var child = new ModelProcess();
            for (int i = 0; i < Slots.Length; i++)
            {
                if (Slots[i] is not { } slot || slot.Prot == (Prot)(-1))
                    continue;
                var copy = new Slot { Prot = slot.Prot, Shared = slot.Shared, Region = slot.Region };
                if (slot.Cell is { } cell)
                {
                    if (slot.Shared)
                    {
                        copy.Cell = cell;
                    }
                    else
                    {
                        copy.Cell = new Cell();
                        cell.Bytes.CopyTo(copy.Cell.Bytes, 0);
                    }
                }
                child.Slots[i] = copy;
            }
            return child;
        }

        /// <summary>The cell a write goes to, created on first touch (a shared slot's cell is shared already).</summary>
        public Cell Touch(int index)
        {
            var slot = Slots[index]!;
            return slot.Cell ??= new Cell();
        }
    }

    /// <summary>A pin: a class, so that two pins of the same cell stay two pins.</summary>
    public sealed class Pin(ModelProcess owner, int slot, Cell cell, bool writable)
    {
        public ModelProcess Owner { get; } = owner;
        public int Slot { get; } = slot;
        public Cell Cell { get; } = cell;
        public bool Writable { get; } = writable;
    }

    public List<ModelProcess> Processes { get; } = new();

    public List<Pin> Pins { get; } = new();
}
