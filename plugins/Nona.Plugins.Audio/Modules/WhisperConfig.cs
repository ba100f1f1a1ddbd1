// The sizes of Whisper's audio encoder, from either of the two places checkpoints keep them: a Hugging Face
// config.json (transformers WhisperConfig) or the "dims" dictionary inside an OpenAI .pt file (whisper/model.py
// ModelDimensions). The head count is not recoverable from tensor shapes, so it must come from one of these.
using System.Globalization;
using System.Text.Json;

namespace Nona.Plugins.Audio.Modules;

/// <summary>Whisper audio-encoder hyper-parameters (Whisper-tiny by default).</summary>
public sealed record WhisperConfig
{
    /// <summary>Mel bands of the input: <c>num_mel_bins</c> / <c>n_mels</c> (80; 128 for large-v3).</summary>
    public int Mels { get; init; } = 80;

    /// <summary>Model width: <c>d_model</c> / <c>n_audio_state</c>.</summary>
    public int Width { get; init; } = 384;

    /// <summary>Encoder blocks: <c>encoder_layers</c> / <c>n_audio_layer</c>.</summary>
    public int Layers { get; init; } = 4;

    /// <summary>Attention heads: <c>encoder_attention_heads</c> / <c>n_audio_head</c>.</summary>
    public int Heads { get; init; } = 6;

    /// <summary>MLP width: <c>encoder_ffn_dim</c>; OpenAI's checkpoints use 4 × width.</summary>
    public int FeedForward { get; init; } = 1536;

    /// <summary>Encoder positions: <c>max_source_positions</c> / <c>n_audio_ctx</c> (1500 = 30 s).</summary>
    public int Positions { get; init; } = 1500;

    /// <summary>Waveform samples the front end pads or trims every clip to: 2 spectrogram frames of 160 samples per position.</summary>
    public long Samples => Positions * 2L * LogMel.HopLength;

    /// <summary>Reads the encoder's sizes from a Hugging Face <c>config.json</c>.</summary>
    public static WhisperConfig FromHuggingFace(string path)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException("config.json must hold a JSON object");
            if (root.TryGetProperty("model_type", out var type) && type.GetString() != "whisper")
                throw new InvalidDataException($"model_type is '{type.GetString()}', not 'whisper'");
            if (root.TryGetProperty("activation_function", out var activation) && activation.GetString() != "gelu")
                throw new InvalidDataException($"activation_function '{activation.GetString()}' is not supported; Whisper's encoder uses 'gelu' (exact)");
            var width = Int(root, "d_model", 384);
            return new WhisperConfig
            {
                Mels = Int(root, "num_mel_bins", 80),
                Width = width,
                Layers = Int(root, "encoder_layers", 4),
                Heads = Int(root, "encoder_attention_heads", 6),
                FeedForward = Int(root, "encoder_ffn_dim", 4 * width),
                Positions = Int(root, "max_source_positions", 1500),
            }.Validated();
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"not valid JSON ({e.Message})", e);
        }
    }

    /// <summary>
    /// Reads the encoder's sizes from an OpenAI checkpoint's non-tensor entries (<c>dims.n_mels</c>,
    /// <c>dims.n_audio_ctx</c>, <c>dims.n_audio_state</c>, <c>dims.n_audio_head</c>, <c>dims.n_audio_layer</c>).
    /// </summary>
    public static WhisperConfig FromOpenAiDims(IReadOnlyDictionary<string, object> metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        int Dim(string name) => metadata.TryGetValue("dims." + name, out var value) && value is long n && n is > 0 and <= int.MaxValue
            ? (int)n
            : throw new InvalidDataException($"the checkpoint has no integer dims.{name}; an OpenAI Whisper .pt holds {{\"dims\": {{n_mels, n_audio_ctx, n_audio_state, n_audio_head, n_audio_layer, ...}}, \"model_state_dict\": ...}}");
        var width = Dim("n_audio_state");
        return new WhisperConfig
        {
            Mels = Dim("n_mels"),
            Width = width,
            Layers = Dim("n_audio_layer"),
            Heads = Dim("n_audio_head"),
            FeedForward = 4 * width, // whisper/model.py: n_mlp = n_state * 4
            Positions = Dim("n_audio_ctx"),
        }.Validated();
    }

    /// <summary>This config, or <see cref="InvalidDataException"/> naming the inconsistent sizes.</summary>
    public WhisperConfig Validated()
    {
        if (Mels < 1 || Width < 1 || Layers < 1 || Heads < 1 || FeedForward < 1 || Positions < 1)
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"sizes must be positive (mels {Mels}, width {Width}, layers {Layers}, heads {Heads}, ffn {FeedForward}, positions {Positions})"));
        if (Width % Heads != 0)
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"width {Width} is not a multiple of the {Heads} attention heads"));
        return this;
    }

    private static int Int(JsonElement root, string name, int fallback)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            return fallback;
        return value.TryGetInt32(out var n) ? n : throw new InvalidDataException($"'{name}' must be an integer (got {value.GetRawText()})");
    }
}
