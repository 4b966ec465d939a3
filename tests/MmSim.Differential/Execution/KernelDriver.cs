using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using MmSim.Differential.Sequences;

namespace MmSim.Differential.Execution;

/// <summary>
/// Runs sequences on this machine's kernel through native/mmdiff.c, which the first use
/// compiles with the machine's C compiler (no libraries beyond libc; io_uring by raw syscalls).
/// </summary>
public static class KernelDriver
{
    private static readonly Lazy<string> Binary = new(Build);

    public static IReadOnlyList<string> Run(IReadOnlyList<Op> ops)
    {
        var start = new ProcessStartInfo(Binary.Value)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var driver = System.Diagnostics.Process.Start(start)
            ?? throw new InvalidOperationException("could not start " + Binary.Value);
        var stderr = driver.StandardError.ReadToEndAsync();
        driver.StandardInput.Write(SequenceText.Format(ops));
        driver.StandardInput.Close();
        var stdout = driver.StandardOutput.ReadToEndAsync();
        if (!driver.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            driver.Kill(entireProcessTree: true);
            throw new TimeoutException("mmdiff did not finish in 60 s:\n" + SequenceText.Format(ops));
        }
        if (driver.ExitCode != 0)
            throw new InvalidOperationException($"mmdiff exited with {driver.ExitCode}: {stderr.Result}");
        return Observations.FromDriverOutput(stdout.Result, ops.Count);
    }

    private static string Build()
    {
        var source = Path.Combine(AppContext.BaseDirectory, "native", "mmdiff.c");
        var binary = Path.Combine(AppContext.BaseDirectory, "native", "mmdiff");
        if (File.Exists(binary) && File.GetLastWriteTimeUtc(binary) >= File.GetLastWriteTimeUtc(source))
            return binary;
        var compile = new ProcessStartInfo("cc", ["-O2", "-Wall", "-Wextra", "-Werror", "-o", binary, source])
        {
            RedirectStandardError = true,
        };
        using var cc = System.Diagnostics.Process.Start(compile)
            ?? throw new InvalidOperationException("no C compiler (cc) on this machine");
        string errors = cc.StandardError.ReadToEnd();
        cc.WaitForExit();
        if (cc.ExitCode != 0)
            throw new InvalidOperationException("cc failed on mmdiff.c:\n" + errors);
        return binary;
    }
}
