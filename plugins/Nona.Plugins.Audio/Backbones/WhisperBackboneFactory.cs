using System.ComponentModel;
using System.Security.Cryptography;
using Nona.Abstractions;
using Nona.Plugins.Audio.Modules;
using static TorchSharp.torch;

namespace Nona.Plugins.Audio.Backbones;

/// <summary>Options of the <c>whisper</c> backbone.</summary>
public sealed class WhisperOptions
{
    /// <summary>An OpenAI checkpoint, a Hugging Face folder or file, or a preset.</summary>
    [Description("whisper-tiny (default), whisper-base, whisper-small or their .en variants (OpenAI's checkpoints, downloaded once and verified by SHA-256); an OpenAI .pt file; a Hugging Face folder (config.json + model.safetensors or pytorch_model.bin); or one such weight file with its config.json beside it")]
    public string Weights { get; set; } = "whisper-tiny";

    /// <summary>How the encoder's frames become one vector.</summary>
    [Description("all: mean over all 1500 frames (30 s, the paper's clips); audio: mean over the frames that hold audio, ceil(samples / 320), for short clips")]
    public WhisperPooling Pool { get; set; } = WhisperPooling.All;

    /// <summary>Fine-tune or keep frozen.</summary>
    [Description("true: fine-tune the encoder; false: frozen, features computed once and cached")]
    public bool Trainable { get; set; } = true;
}

/// <summary>Whisper's audio encoder (OpenAI or Hugging Face checkpoints; the decoder is not loaded).</summary>
[NonaPlugin("whisper", PluginKind.Backbone, Description = "Whisper audio encoder on 30 s log-mel input (OpenAI .pt or Hugging Face weights; whisper-tiny by default)")]
public sealed class WhisperBackboneFactory : PluginFactory<WhisperOptions, FeatureExtractor>
{
    // Bump when the front end, the encoder or the pooling changes what a checkpoint's features are.
    private const string Version = "nona-whisper-v1";

    // openai/whisper, whisper/__init__.py _MODELS: the SHA-256 of each file is part of its URL.
    private const string OpenAiBase = "https://openaipublic.azureedge.net/main/whisper/models/";

    private static readonly Dictionary<string, (string Sha256, string File)> Presets = new(StringComparer.Ordinal)
    {
        ["whisper-tiny"] = ("65147644a518d12f04e32d6f3b26facc3f8dd46e5390956a9424a650c0ce22b9", "tiny.pt"),
        ["whisper-tiny.en"] = ("d3dd57d32accea0b295c96e26691aa14d8822fac7d9d27d5dc00b4ca2826dd03", "tiny.en.pt"),
        ["whisper-base"] = ("ed3a0b6b1c0edf879ad9b11b1af5a0e6ab5db9205f891f668f8b0e6c6326e34e", "base.pt"),
        ["whisper-base.en"] = ("25a8566e1d0c1e2231d1c762132cd20e0f96a85d16145c3a00adf5d1ac670ead", "base.en.pt"),
        ["whisper-small"] = ("9ecf779972d90ba49c06d968637d720dd632c55bbf19d441fb42bf17a411e794", "small.pt"),
        ["whisper-small.en"] = ("f953ad0fd29cacd07d5a9eda5624af0f6bcf2258be67c92b79389873d91e0872", "small.en.pt"),
    };

    /// <summary>The download URL of a preset (e.g. <c>whisper-tiny</c>), or null.</summary>
    public static string? PresetUrl(string name) =>
        Presets.TryGetValue(name, out var preset) ? $"{OpenAiBase}{preset.Sha256}/{preset.File}" : null;

    /// <inheritdoc />
    protected override FeatureExtractor Create(WhisperOptions options, PluginContext context)
    {
        var where = context.Where;
        var (file, config, read) = Locate(options.Weights, context, where);
        var checkpoint = read ?? context.Weights.Read(file);
        WhisperEncoder? encoder = null;
        try
        {
            Dictionary<string, Tensor> weights;
            try
            {
                (weights, _) = WhisperStateDict.Normalize(checkpoint);
            }
            catch (InvalidDataException e)
            {
                throw new NonaException($"{where}.weights: {file}: {e.Message}");
            }

            encoder = new WhisperEncoder(config);
            context.Weights.LoadInto(encoder, weights, file);
        }
        catch
        {
            encoder?.Dispose();
            throw;
        }
        finally
        {
            foreach (var tensor in checkpoint.Values)
                tensor.Dispose();
        }

        var fingerprint = $"{Version}|{Sha256Of(file)}|pool={options.Pool}";
        return new WhisperBackbone(encoder, options.Pool, frozen: !options.Trainable, fingerprint);
    }

    /// <summary>
    /// The weight file and the encoder's sizes, from a preset, a folder or a file; with the file's tensors when its sizes
    /// had to be read from inside it (an OpenAI .pt), so it is unpickled once.
    /// </summary>
    private static (string File, WhisperConfig Config, IReadOnlyDictionary<string, Tensor>? Tensors) Locate(string weights, PluginContext context, string where)
    {
        var key = context.RecipeKey.Length > 0 ? context.RecipeKey : "backbone";
        var tinyUrl = PresetUrl("whisper-tiny");
        var fix = $"download OpenAI's tiny.pt ({tinyUrl}) or the Hugging Face folder openai/whisper-tiny (config.json + model.safetensors, https://huggingface.co/openai/whisper-tiny) and pass --set {key}.weights=/path/to/tiny.pt (or the folder), or use weights: whisper-tiny to download it";
        if (weights.Length == 0)
            throw new NonaException($"{where}.weights is required; {fix}");
        if (PresetUrl(weights) is { } url)
        {
            string file;
            try
            {
                file = context.Weights.Resolve(new WeightSource(url, Presets[weights].Sha256));
            }
            catch (NonaException e)
            {
                throw new NonaException($"{where}.weights: {weights} could not be fetched ({e.Message}); download {url} elsewhere and pass --set {key}.weights=/path/to/{Presets[weights].File}");
            }

            return WithConfigInside(file, context, where, _ => throw new NonaException($"{where}.weights: {file}: an OpenAI Whisper .pt without \"dims\"; download {url} again"));
        }

        var path = Path.GetFullPath(weights, context.RecipeFolder);
        if (Directory.Exists(path))
        {
            var inFolder = new[] { "model.safetensors", "pytorch_model.bin" }.Select(f => Path.Combine(path, f)).FirstOrDefault(File.Exists)
                ?? throw new NonaException($"{where}.weights: {path} has neither model.safetensors nor pytorch_model.bin; {fix}");
            return (inFolder, HuggingFaceConfig(Path.Combine(path, "config.json"), where, fix), null);
        }

        if (!File.Exists(path))
            throw new NonaException($"{where}.weights: {path} not found; {fix}");
        var besideConfig = Path.Combine(Path.GetDirectoryName(path)!, "config.json");
        if (path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
            return (path, HuggingFaceConfig(besideConfig, where, fix), null);
        // A PyTorch file: OpenAI's carry their sizes inside ("dims"); Hugging Face's need the config.json beside them.
        return WithConfigInside(path, context, where, _ => HuggingFaceConfig(besideConfig, where,
            "an OpenAI Whisper .pt holds its sizes in \"dims\" and this file has none; put the model's Hugging Face config.json beside it"));
    }

    /// <summary>Reads a PyTorch file once: its sizes from "dims" when it has them (else <paramref name="otherwise"/>), and its tensors.</summary>
    private static (string File, WhisperConfig Config, IReadOnlyDictionary<string, Tensor> Tensors) WithConfigInside(
        string file, PluginContext context, string where, Func<string, WhisperConfig> otherwise)
    {
        var (tensors, metadata) = context.Weights.ReadCheckpoint(file);
        try
        {
            var config = metadata.Keys.Any(k => k.StartsWith("dims.", StringComparison.Ordinal))
                ? OpenAiConfig(file, metadata, where)
                : otherwise(file);
            return (file, config, tensors);
        }
        catch
        {
            foreach (var tensor in tensors.Values)
                tensor.Dispose();
            throw;
        }
    }

    private static WhisperConfig OpenAiConfig(string file, IReadOnlyDictionary<string, object> metadata, string where)
    {
        try
        {
            return WhisperConfig.FromOpenAiDims(metadata);
        }
        catch (InvalidDataException e)
        {
            throw new NonaException($"{where}.weights: {file}: {e.Message}");
        }
    }

    private static WhisperConfig HuggingFaceConfig(string configPath, string where, string fix)
    {
        if (!File.Exists(configPath))
            throw new NonaException($"{where}.weights: {configPath} is missing (Hugging Face weights need their config.json); {fix}");
        try
        {
            return WhisperConfig.FromHuggingFace(configPath);
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            throw new NonaException($"{where}.weights: {configPath}: {e.Message}");
        }
    }

    private static string Sha256Of(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
