using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Nona.Abstractions;
using Nona.Abstractions.Torch;
using Nona.Plugins.Audio.Modules;
using TorchSharp;
using static Nona.Abstractions.Torch.HeldScalars;
using static TorchSharp.torch;

namespace Nona.Plugins.Audio.Backbones;

/// <summary>Options of the <c>logmel</c> backbone.</summary>
public sealed class LogMelOptions
{
    /// <summary>Output channels of each convolution block; the last is the feature width.</summary>
    [Description("output channels of each Conv3x3-BatchNorm-ReLU-MaxPool2 block; the last is the feature width")]
    public IList<int> Channels { get; set; } = [16, 32, 64];

    /// <summary>Mel bands of the front end.</summary>
    [Description("mel bands of Whisper's log-mel front end (Whisper: 80)")]
    [Range(8, 200)]
    public int Mels { get; set; } = 80;
}

/// <summary>
/// A small CNN over Whisper's log-mel spectrogram, trained from scratch (there are no pretrained weights): for
/// 16 kHz mono waveforms (B, T) of any length above 200 samples.
/// </summary>
[NonaPlugin("logmel", PluginKind.Backbone, Description = "Whisper log-mel + small CNN trained from scratch (16 kHz audio)")]
public sealed class LogMelCnnBackboneFactory : PluginFactory<LogMelOptions, FeatureExtractor>
{
    /// <inheritdoc />
    protected override FeatureExtractor Create(LogMelOptions options, PluginContext context)
    {
        var where = context.Where;
        if (options.Channels.Count == 0 || options.Channels.Any(c => c < 1))
            throw new NonaException($"{where}.channels must list at least one channel count ≥ 1 (got [{string.Join(", ", options.Channels)}])");
        if (options.Mels is < 8 or > 200)
            throw new NonaException($"{where}.mels must be in [8, 200] (got {options.Mels})");
        return new LogMelCnnBackbone([.. options.Channels], options.Mels);
    }
}

/// <summary>
/// Log-mel front end (clips as they are, no padding to 30 s) → (B, 1, mels, frames) → per block Conv2d(3×3,
/// padding 1) → BatchNorm2d → ReLU → MaxPool2d(2) → global average pool → (B, channels[^1]).
/// </summary>
public sealed class LogMelCnnBackbone : FeatureExtractor
{
    private readonly LogMel frontend;
    private readonly nn.Module<Tensor, Tensor> blocks;

    /// <summary>Builds the network with random weights.</summary>
    /// <param name="channels">Output channels of each block.</param>
    /// <param name="mels">Mel bands.</param>
    public LogMelCnnBackbone(IReadOnlyList<int> channels, int mels = 80)
        : base(nameof(LogMelCnnBackbone))
    {
        ArgumentNullException.ThrowIfNull(channels);
        if (channels.Count == 0 || channels.Any(c => c < 1))
            throw new ArgumentException($"need at least one channel count ≥ 1, got [{string.Join(", ", channels)}]", nameof(channels));
        frontend = new LogMel(mels);
        var layers = new List<(string, nn.Module<Tensor, Tensor>)>();
        long inChannels = 1;
        for (var i = 0; i < channels.Count; i++)
        {
            layers.Add(($"{i}", Block(inChannels, channels[i])));
            inChannels = channels[i];
        }

        blocks = nn.Sequential(layers);
        OutputDim = channels[^1];
        RegisterComponents();
    }

    /// <inheritdoc />
    public override long OutputDim { get; }

    /// <inheritdoc />
    public override string Modality => "audio";

    /// <inheritdoc />
    public override Tensor forward(InputBatch input)
    {
        using var scope = NewDisposeScope();
        var spectrogram = frontend.call(input.Values).unsqueeze(1); // (B, 1, mels, frames)
        var maps = blocks.call(spectrogram); // (B, C, mels / 2^k, frames / 2^k)
        return maps.mean([2, 3]).MoveToOuterDisposeScope(); // (B, C)
    }

    // ceil_mode keeps short clips (fewer than 2^blocks frames) from pooling down to an empty map.
    private static nn.Module<Tensor, Tensor> Block(long inChannels, long outChannels) => nn.Sequential(
        ("conv", nn.Conv2d(inChannels, outChannels, kernel_size: 3, padding: 1, bias: false)),
        ("bn", HeldBatchNorm.TwoD(outChannels)),
        ("relu", nn.ReLU()),
        ("pool", nn.MaxPool2d(kernel_size: 2, ceil_mode: true)));

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            frontend.Dispose();
            blocks.Dispose();
        }

        base.Dispose(disposing);
    }
}
