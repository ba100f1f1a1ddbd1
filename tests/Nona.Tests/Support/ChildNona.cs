using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Nona.Tests.Support;

/// <summary>The real <c>nona</c> in a child process: for kills, signals and native crashes the test host must survive.</summary>
public sealed class ChildNona : IDisposable
{
    private readonly Process process;
    private readonly Task<string> output;
    private readonly Task<string> errors;

    private ChildNona(Process process)
    {
        this.process = process;
        output = process.StandardOutput.ReadToEndAsync();
        errors = process.StandardError.ReadToEndAsync();
    }

    /// <summary>The child's process id.</summary>
    public int Id => process.Id;

    /// <summary>Starts <c>nona ARGS</c> with extra environment variables.</summary>
    public static ChildNona Start(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "nona.dll"), .. args])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
            start.Environment[key] = value;
        return new ChildNona(Process.Start(start)!);
    }

    /// <summary>Runs <c>nona ARGS</c> to its end (at most 3 minutes); returns the exit code and what it printed.</summary>
    public static (int Code, string Output, string Errors) Run(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        using var child = Start(args, environment);
        return child.WaitForExit();
    }

    /// <summary>Sends a signal (<c>INT</c>, <c>TERM</c>, <c>KILL</c>) to the child.</summary>
    public void Signal(string name)
    {
        // libc's kill(2), not the kill program: a minimal machine may lack procps.
        var number = name switch { "INT" => 2, "KILL" => 9, "TERM" => 15, _ => throw new ArgumentException($"unknown signal {name}", nameof(name)) };
        if (Kill(process.Id, number) != 0)
            throw new InvalidOperationException($"kill({process.Id}, SIG{name}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Kill(int pid, int signal);

    /// <summary>Waits for the child to end (at most 3 minutes); returns its exit code and what it printed.</summary>
    public (int Code, string Output, string Errors) WaitForExit()
    {
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill();
            throw new TimeoutException("the child nona did not end within 3 minutes");
        }

        return (process.ExitCode, output.Result, errors.Result);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (!process.HasExited)
            process.Kill();
        process.Dispose();
    }
}
