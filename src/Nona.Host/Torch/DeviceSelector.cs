using System.Text.RegularExpressions;
using TorchSharp;

namespace Nona.Host.Torch;

/// <summary>Turns <c>training.device</c> (auto, cpu, cuda, cuda:N) into a TorchSharp device.</summary>
internal static partial class DeviceSelector
{
    /// <summary>True for a value <see cref="Resolve"/> accepts.</summary>
    public static bool IsValid(string device) => DevicePattern().IsMatch(device);

    /// <summary>auto → CUDA when TorchSharp reports it, else CPU.</summary>
    public static torch.Device Resolve(string device)
    {
        if (device == "auto")
            return torch.cuda.is_available() ? torch.CUDA : torch.CPU;
        if (device.StartsWith("cuda", StringComparison.Ordinal) && !torch.cuda.is_available())
            throw new Abstractions.NonaException($"training.device is '{device}' but TorchSharp reports no CUDA device; build with -p:NonaTorchBackend=cuda on a CUDA machine, or use --set training.device=cpu");
        return new torch.Device(device);
    }

    [GeneratedRegex(@"^(auto|cpu|cuda(:\d+)?)$")]
    private static partial Regex DevicePattern();
}
