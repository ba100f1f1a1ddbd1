using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Nona.Host.Output;

/// <summary>What run.json records besides the results: versions and the machine.</summary>
internal static class RunInfo
{
    /// <summary>Indented, snake_case JSON; a non-finite number (a diverged method's error) is written as null.</summary>
    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new NonFiniteDoubleAsNullConverter(), new NonFiniteSingleAsNullConverter() },
    };

    /// <summary>Versions of the pieces that shape the numbers.</summary>
    public static object Versions() => new
    {
        nona = typeof(RunInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion,
        torchsharp = typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString(),
        dotnet = RuntimeInformation.FrameworkDescription,
    };

    /// <summary>The machine the run used.</summary>
    public static object Machine() => new
    {
        os = RuntimeInformation.OSDescription,
        architecture = RuntimeInformation.OSArchitecture.ToString(),
        cores = Environment.ProcessorCount,
        host = Environment.MachineName,
    };
}
