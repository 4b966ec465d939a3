using System;
using System.Collections;
using System.Diagnostics;
using System.Text;

namespace MmSim.Package.Tests.Infrastructure;

/// <summary>The output and exit code of one <c>dotnet</c> command.</summary>
public sealed record CliResult(int ExitCode, string Output)
{
    public override string ToString() => $"exit code {ExitCode}\n{Output}";
}

/// <summary>Runs the <c>dotnet</c> CLI as a user would, with a time limit.</summary>
public static class DotnetCli
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(4);

    public static CliResult Run(string workingDirectory, params string[] arguments)
    {
        using var process = new Process { StartInfo = StartInfo(workingDirectory, arguments) };
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(Limit))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet {string.Join(' ', arguments)} ran longer than {Limit}\n{output}");
        }
        process.WaitForExit();
        return new CliResult(process.ExitCode, output.ToString());
    }

    /// <summary>
    /// A user's environment: the variables the test host inherits from <c>dotnet test</c> (MSBuild's own
    /// paths, VSTest's) would make the child build use the test run's MSBuild state.
    /// </summary>
    public static ProcessStartInfo StartInfo(string workingDirectory, params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
            info.ArgumentList.Add(argument);
        foreach (DictionaryEntry variable in Environment.GetEnvironmentVariables())
        {
            var name = (string)variable.Key;
            if (name.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || name.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase))
                info.Environment.Remove(name);
        }
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        return info;
    }
}
