using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace Nona.Host.Torch;

/// <summary>
/// Caps oneDNN, libtorch's CPU convolution library, at AVX2 on AVX-512 CPUs. libtorch 2.10's oneDNN computes some
/// float32 conv1d shapes wrongly with its AVX-512 kernels (HuBERT's conv stack, 24→16 channels, kernel 3, stride 2:
/// NaN or errors of order 1, run to run; docs/torchsharp-debian.md; tests/Nona.Tests/Guards/ConvolutionLayoutTests).
/// oneDNN reads <c>ONEDNN_MAX_CPU_ISA</c> from the native environment once, at its first primitive, so this must run
/// before any tensor work; a value the user set (e.g. <c>ALL</c> to lift the cap) is left alone.
/// </summary>
internal static class OneDnnIsaCap
{
    /// <summary>The variable oneDNN reads.</summary>
    public const string Variable = "ONEDNN_MAX_CPU_ISA";

    /// <summary>Sets the cap where the CPU has AVX-512 and nobody chose otherwise; idempotent.</summary>
    public static void Apply()
    {
        if (!Avx512F.IsSupported || Environment.GetEnvironmentVariable(Variable) is not null || Environment.GetEnvironmentVariable("DNNL_MAX_CPU_ISA") is not null)
            return;
        // .NET's SetEnvironmentVariable changes only its own copy on Unix; native getenv needs libc's setenv.
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
            _ = SetEnvironment(Variable, "AVX2", 0);
        Environment.SetEnvironmentVariable(Variable, "AVX2"); // child processes and managed readers see it too
    }

    [DllImport("libc", EntryPoint = "setenv", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int SetEnvironment(string name, string value, int overwrite);
}
