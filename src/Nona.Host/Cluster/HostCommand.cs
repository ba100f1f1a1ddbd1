namespace Nona.Host.Cluster;

/// <summary>
/// The command line that starts this same built host: <c>dotnet …/nona.dll</c> (or the <c>nona</c> apphost
/// itself), never <c>./nona</c>, which builds on every call — thousands of array tasks must not run the compiler.
/// </summary>
internal static class HostCommand
{
    /// <summary>The program and its leading arguments.</summary>
    public static IReadOnlyList<string> Current()
    {
        var process = Environment.ProcessPath;
        if (process is not null && Path.GetFileNameWithoutExtension(process) == "nona")
            return [process];
        // Under `dotnet nona.dll` (or a test host that loaded nona.dll) the same runtime runs the same assembly.
        var dotnet = process is not null && Path.GetFileNameWithoutExtension(process) == "dotnet" ? process : "dotnet";
        return [dotnet, typeof(HostCommand).Assembly.Location];
    }
}
