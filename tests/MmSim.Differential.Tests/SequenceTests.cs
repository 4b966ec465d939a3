using System;
using System.Linq;
using MmSim.Differential.Execution;
using MmSim.Differential.Generation;
using MmSim.Differential.Sequences;
using Xunit;

namespace MmSim.Differential.Tests;

/// <summary>The sequence format, the validity model and the generator.</summary>
public sealed class SequenceTests
{
    [Fact]
    public void Every_generated_step_round_trips_through_its_text()
    {
        var ops = Enumerable.Range(0, 50).SelectMany(seed => SequenceGenerator.Generate(seed)).ToList();

        var parsed = SequenceText.Parse(SequenceText.Format(ops));

        Assert.Equal(ops, parsed);
        Assert.True(ops.Select(op => op.GetType()).Distinct().Count() >= 17); // every kind of step is generated
    }

    [Fact]
    public void The_generator_is_deterministic_and_emits_only_valid_steps()
    {
        for (int seed = 0; seed < 50; seed++)
        {
            var ops = SequenceGenerator.Generate(seed);
            Assert.Equal(ops, SequenceGenerator.Generate(seed));
            Assert.Equal(ops, World.Normalize(ops));
            Assert.Equal(40, ops.Count);
        }
    }

    [Fact]
    public void Normalizing_drops_steps_on_dead_processes_unmapped_pages_and_released_references()
    {
        var ops = SequenceText.Parse("""
            mmap 0 0 4 anon
            fork 0 1
            exit 1
            write 1 0 0 5
            munmap 0 0 1 1
            read 0 0 1
            read 0 0 2
            vmsplice 0 0 0 1 0
            drain 0
            drain 0
            pinread 0 0
            madvise 0 0 0 1 dontfork
            fork 0 2
            read 2 0 0
            read 2 0 3
            """);

        var kept = World.Normalize(ops).Select(op => op.ToString()).ToList();

        Assert.Equal(
            ["mmap 0 0 4 anon", "fork 0 1", "exit 1", "munmap 0 0 1 1", "read 0 0 2", "vmsplice 0 0 0 1 0", "drain 0",
             "madvise 0 0 0 1 dontfork", "fork 0 2", "read 2 0 3"],
            kept);
    }

    [Theory]
    [InlineData("mmap 0 0 4")]
    [InlineData("frobnicate 0")]
    [InlineData("mmap 0 0 4 huge")]
    [InlineData("write 0 0 x 1")]
    public void Malformed_lines_are_refused(string line)
    {
        Assert.ThrowsAny<FormatException>(() => SequenceText.ParseLine(line));
    }

    [Fact]
    public void Driver_output_must_have_one_observation_per_step_in_order()
    {
        Assert.Equal(["ok", "v 3"], Observations.FromDriverOutput("0 ok\n1 v 3\n", 2));
        Assert.Throws<FormatException>(() => Observations.FromDriverOutput("0 ok\n", 2));
        Assert.Throws<FormatException>(() => Observations.FromDriverOutput("1 ok\n0 ok\n", 2));
    }
}
