using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using MmSim.Benchmarks;

// bench/run drives this: "--memory" prints the footprint figures, "--scaling" the scaling curves; anything
// else goes to BenchmarkDotNet with a short job (--filter, --job and the other BenchmarkDotNet arguments work).
if (args is ["--memory"])
{
    MemoryFootprint.Report();
    return;
}
if (args is ["--scaling"])
{
    Scaling.Report();
    return;
}
// one invocation per iteration leaves too few calls for tiered compilation to reach the optimised code
// before the measured iterations: compile fully optimised from the start, as a long-running simulator runs
var config = DefaultConfig.Instance.AddJob(Job.ShortRun.WithInvocationCount(1).WithUnrollFactor(1)
    .WithEnvironmentVariables(new EnvironmentVariable("DOTNET_TieredCompilation", "0")).AsDefault());
BenchmarkSwitcher.FromAssembly(typeof(PerPageBenchmarks).Assembly).Run(args, config);
