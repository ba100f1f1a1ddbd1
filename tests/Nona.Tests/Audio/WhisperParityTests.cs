using System.Text.Json;
using Nona.Abstractions;
using Nona.Host.Weights;
using Nona.Plugins.Audio.Backbones;
using Nona.Plugins.Audio.Modules;
using Nona.Tests.Support;
using TorchSharp;
using TorchSharp.PyBridge;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Nona.Tests.Audio;

/// <summary>
/// The <c>whisper</c> backbone against a stock-PyTorch Whisper encoder with torch.stft/torchaudio log-mel
/// (tests/fixtures/make_whisper_fixture.py → fixtures/whisper_parity.json and whisper_openai_tiny.pt), loaded through
/// its factory as a user would: a Hugging Face folder built from the fixture's formula weights, and a small OpenAI .pt.
/// </summary>
public sealed class WhisperParityTests(ITestOutputHelper output)
{
    private static readonly Lazy<JsonElement> Fixture = new(() =>
        JsonDocument.Parse(File.ReadAllText(FixturePath("whisper_parity.json"))).RootElement);

    private static JsonElement Root => Fixture.Value;

    [Fact]
    public void Hugging_face_folder_matches_the_reference_pooled_and_frame_by_frame_within_1e_4()
    {
        using var folder = new TempFolder();
        var model = WriteHuggingFaceFolder(Path.Combine(folder.Path, "whisper-formula"));
        using var all = Create(folder, model, WhisperPooling.All);
        using var audio = Create(folder, model, WhisperPooling.Audio);
        var (values, mask) = FixtureBatch();
        using var batch = new InputBatch(values, mask);

        using var pooledAll = all.call(batch);
        using var pooledAudio = audio.call(batch);
        using var hidden = ((WhisperBackbone)all).Encode(values);

        var hf = Root.GetProperty("hf");
        Assert.Equal(Root.GetProperty("config").GetProperty("d_model").GetInt64(), all.OutputDim);
        AssertClose("pooled all", pooledAll, Matrix(hf.GetProperty("pooled_all")), 1e-4);
        AssertClose("pooled audio", pooledAudio, Matrix(hf.GetProperty("pooled_audio")), 1e-4);
        var frames = hf.GetProperty("frame_indices").EnumerateArray().Select(f => f.GetInt64()).ToArray();
        using var index = tensor(frames);
        using var picked = hidden.index_select(1, index); // (2, frames, width)
        var expected = hf.GetProperty("frames").EnumerateArray().Select(Matrix).ToList();
        AssertClose($"last hidden state at frames [{string.Join(", ", frames)}]", picked, stack(expected), 1e-4);
        Assert.Equal([2L, 1500, all.OutputDim], hidden.shape);
        foreach (var e in expected)
            e.Dispose();

        // Hugging Face transformers' WhisperEncoder on the same weights, fed by its own WhisperFeatureExtractor
        // (tests/fixtures/make_hf_audio_reference.py).
        var transformers = JsonDocument.Parse(File.ReadAllText(FixturePath("hf_audio_reference.json"))).RootElement.GetProperty("whisper");
        Assert.Equal(frames, transformers.GetProperty("frame_indices").EnumerateArray().Select(f => f.GetInt64()));
        AssertClose("pooled all vs transformers", pooledAll, Matrix(transformers.GetProperty("pooled_all")), 1e-4);
        AssertClose("pooled audio vs transformers", pooledAudio, Matrix(transformers.GetProperty("pooled_audio")), 1e-4);
        using var hfFrames = Matrix(transformers.GetProperty("frames")).reshape(picked.shape);
        AssertClose("last hidden state vs transformers", picked, hfFrames, 1e-4);
    }

    [Fact]
    public void OpenAI_checkpoint_with_dims_inside_loads_and_matches_the_reference()
    {
        var openai = Root.GetProperty("openai");
        var dims = openai.GetProperty("dims");
        var run = OpenAi.Value;

        Assert.Equal(dims.GetProperty("n_audio_head").GetInt32(), run.Config.Heads); // not recoverable from shapes: read from "dims"
        Assert.Equal(dims.GetProperty("n_audio_state").GetInt32(), run.Config.Width);
        Assert.Equal(dims.GetProperty("n_audio_layer").GetInt32(), run.Config.Layers);
        Assert.Equal(4 * run.Config.Width, run.Config.FeedForward);
        // The expected outputs were computed from the same fp16-rounded weights, so float32 agreement is expected.
        AssertClose("OpenAI .pt pooled all", run.PooledAll, Matrix(openai.GetProperty("pooled_all")), 1e-4);
        AssertClose("OpenAI .pt pooled audio", run.PooledAudio, Matrix(openai.GetProperty("pooled_audio")), 1e-4);
    }

    [Fact]
    public void Audio_pooling_is_the_mean_of_the_first_ceil_n_over_320_frames_and_differs_from_all()
    {
        var run = OpenAi.Value;
        var lengths = Root.GetProperty("valid_samples").EnumerateArray().Select(v => v.GetInt32()).ToArray(); // [32000, 20000]

        for (var i = 0; i < lengths.Length; i++)
        {
            var frames = (lengths[i] + 319) / 320; // 100 and 63
            using var expected = run.Hidden[i, TensorIndex.Slice(0, frames)].mean([0]);
            using var difference = (run.PooledAudio[i] - expected).abs().max();
            Assert.True(difference.item<float>() < 1e-5f, $"clip {i}: audio pooling is off the mean of its first {frames} frames by {difference.item<float>():E2}");
            using var gap = (run.PooledAudio[i] - run.PooledAll[i]).abs().max();
            Assert.True(gap.item<float>() > 1e-2f, $"clip {i}: audio and all pooling agree to {gap.item<float>():E2}");
        }

        // Without a mask the clip's own length counts: the 1.25 s clip alone pools like its masked, padded copy.
        using var drift = (run.ShortClipAlone[0] - run.PooledAudio[1]).abs().max();
        Assert.True(drift.item<float>() < 1e-5f, $"the unpadded clip pools {drift.item<float>():E2} away from its padded copy");
    }

    [Fact]
    public void Trainable_backbones_get_gradients_and_frozen_ones_are_frozen_with_a_fingerprint_per_option()
    {
        using var folder = new TempFolder();
        var pt = FixturePath("whisper_openai_tiny.pt");
        using var trainable = Create(folder, pt, WhisperPooling.Audio);
        using var frozen = Create(folder, pt, WhisperPooling.Audio, trainable: false);
        using var frozenAll = Create(folder, pt, WhisperPooling.All, trainable: false);

        Assert.False(trainable.Frozen);
        Assert.True(frozen.Frozen);
        Assert.All(frozen.parameters(), p => Assert.False(p.requires_grad));
        Assert.Equal("audio", trainable.Modality);
        Assert.NotNull(frozen.Fingerprint);
        Assert.Equal(frozen.Fingerprint, trainable.Fingerprint);
        Assert.NotEqual(frozen.Fingerprint, frozenAll.Fingerprint);

        trainable.train();
        using var clip = tensor(Chirp(8000), [1, 8000]);
        using var features = trainable.call(new InputBatch(clip));
        using var loss = features.square().mean();
        loss.backward();
        foreach (var (name, parameter) in trainable.named_parameters())
        {
            if (name.EndsWith("embed_positions.weight", StringComparison.Ordinal))
            {
                Assert.False(parameter.requires_grad, "Whisper's positional embedding is fixed");
                continue;
            }

            Assert.True(parameter.grad is not null, $"{name} has no gradient");
            Assert.True(parameter.grad.isfinite().all().item<bool>(), $"{name} has a non-finite gradient");
            Assert.True(parameter.grad.abs().max().item<float>() > 0, $"{name} has an all-zero gradient");
        }
    }

    [Fact]
    public void Missing_weights_name_what_is_needed_where_to_get_it_and_the_override()
    {
        using var folder = new TempFolder();
        var missingFile = Assert.Throws<NonaException>(() => Create(folder, "models/tiny.pt", WhisperPooling.All));
        var missingFolder = Assert.Throws<NonaException>(() => Create(folder, Directory.CreateDirectory(Path.Combine(folder.Path, "empty")).FullName, WhisperPooling.All));

        foreach (var error in new[] { missingFile, missingFolder })
        {
            output.WriteLine(error.Message);
            Assert.DoesNotContain('\n', error.Message);
            Assert.StartsWith("recipe.yaml: backbone.weights:", error.Message, StringComparison.Ordinal);
            Assert.Contains("--set backbone.weights=", error.Message, StringComparison.Ordinal);
            Assert.Contains(WhisperBackboneFactory.PresetUrl("whisper-tiny")!, error.Message, StringComparison.Ordinal);
        }

        Assert.Contains(Path.Combine(folder.Path, "models", "tiny.pt"), missingFile.Message, StringComparison.Ordinal);
        Assert.Contains("neither model.safetensors nor pytorch_model.bin", missingFolder.Message, StringComparison.Ordinal);

        // A .safetensors file without its config.json.
        var lone = Path.Combine(folder.Path, "lone", "model.safetensors");
        Directory.CreateDirectory(Path.GetDirectoryName(lone)!);
        Safetensors.SaveStateDict(lone, new Dictionary<string, Tensor> { ["conv1.bias"] = zeros(4) });
        Assert.Contains("config.json is missing", Assert.Throws<NonaException>(() => Create(folder, lone, WhisperPooling.All)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_preset_that_cannot_be_downloaded_says_where_it_comes_from_and_which_override_to_pass()
    {
        using var folder = new TempFolder();
        using var offline = new HttpClient(new OfflineHandler());
        var store = new WeightStore(Path.Combine(folder.Path, "cache"), folder.Path, offline);

        var error = Assert.Throws<NonaException>(() => Create(folder, "whisper-tiny", WhisperPooling.All, store: store));

        output.WriteLine(error.Message);
        Assert.Contains("https://openaipublic.azureedge.net/main/whisper/models/65147644a518d12f04e32d6f3b26facc3f8dd46e5390956a9424a650c0ce22b9/tiny.pt", error.Message, StringComparison.Ordinal);
        Assert.Contains("--set backbone.weights=/path/to/tiny.pt", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("model.encoder.layers.3.self_attn.k_proj.weight", "layers.3.self_attn.k_proj.weight")]
    [InlineData("encoder.embed_positions.weight", "embed_positions.weight")]
    [InlineData("layer_norm.bias", "layer_norm.bias")]
    [InlineData("encoder.positional_embedding", "embed_positions.weight")]
    [InlineData("encoder.ln_post.weight", "layer_norm.weight")]
    [InlineData("encoder.blocks.11.attn.query.bias", "layers.11.self_attn.q_proj.bias")]
    [InlineData("encoder.blocks.0.attn.key.weight", "layers.0.self_attn.k_proj.weight")]
    [InlineData("encoder.blocks.0.attn.out.weight", "layers.0.self_attn.out_proj.weight")]
    [InlineData("encoder.blocks.2.attn_ln.bias", "layers.2.self_attn_layer_norm.bias")]
    [InlineData("encoder.blocks.2.mlp.0.weight", "layers.2.fc1.weight")]
    [InlineData("encoder.blocks.2.mlp.2.bias", "layers.2.fc2.bias")]
    [InlineData("encoder.blocks.2.mlp_ln.weight", "layers.2.final_layer_norm.weight")]
    public void Hugging_face_and_openai_keys_map_to_the_encoder_names(string key, string expected) =>
        Assert.Equal(expected, WhisperStateDict.NormalizeKey(key));

    [Fact]
    public void Decoder_and_output_projection_keys_are_dropped()
    {
        using var t = zeros(1);
        var (encoder, dropped) = WhisperStateDict.Normalize(new Dictionary<string, Tensor>
        {
            ["model.decoder.embed_tokens.weight"] = t,
            ["decoder.token_embedding.weight"] = t,
            ["proj_out.weight"] = t,
            ["model.encoder.conv1.weight"] = t,
        });
        Assert.Equal(["conv1.weight"], encoder.Keys);
        Assert.Equal(3, dropped.Count);
    }

    /// <summary>The small OpenAI checkpoint's outputs on the fixture batch, computed once for the tests that read them.</summary>
    private static readonly Lazy<OpenAiOutputs> OpenAi = new(() =>
    {
        using var folder = new TempFolder();
        var pt = FixturePath("whisper_openai_tiny.pt");
        using var all = Create(folder, pt, WhisperPooling.All);
        using var audio = Create(folder, pt, WhisperPooling.Audio);
        var (values, mask) = FixtureBatch();
        using var batch = new InputBatch(values, mask);
        var shortLength = Root.GetProperty("valid_samples")[1].GetInt64();
        using var shortClip = values[1, TensorIndex.Slice(0, shortLength)].unsqueeze(0).clone(); // no mask, no padding
        using var noGrad = no_grad();
        return new OpenAiOutputs(
            ((WhisperBackbone)all).Config,
            ((WhisperBackbone)all).Encode(values).DetachFromDisposeScope(),
            all.call(batch).DetachFromDisposeScope(),
            audio.call(batch).DetachFromDisposeScope(),
            audio.call(new InputBatch(shortClip)).DetachFromDisposeScope());
    });

    private sealed record OpenAiOutputs(WhisperConfig Config, Tensor Hidden, Tensor PooledAll, Tensor PooledAudio, Tensor ShortClipAlone);

    private static FeatureExtractor Create(TempFolder folder, string weights, WhisperPooling pool, bool trainable = true, IWeightStore? store = null)
    {
        var context = new PluginContext
        {
            Weights = store ?? new WeightStore(Path.Combine(folder.Path, "cache"), folder.Path),
            Tables = null!,
            Plugins = null!,
            RecipePath = "recipe.yaml",
            RecipeKey = "backbone",
            RecipeFolder = folder.Path,
            CacheFolder = Path.Combine(folder.Path, "cache"),
        };
        var options = new WhisperOptions { Weights = weights, Pool = pool, Trainable = trainable };
        return (FeatureExtractor)((IPluginFactory)new WhisperBackboneFactory()).Create(options, context);
    }

    /// <summary>
    /// A Hugging Face WhisperForConditionalGeneration folder: config.json and model.safetensors with the fixture's
    /// formula weights under <c>model.encoder.</c>, plus decoder and output-projection tensors that must be ignored.
    /// </summary>
    private static string WriteHuggingFaceFolder(string folder)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "config.json"), Root.GetProperty("config").GetRawText());
        var gain = Root.GetProperty("gain").GetDouble();
        var weights = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var entry in Root.GetProperty("state_dict").EnumerateArray())
        {
            var key = entry.GetProperty("key").GetString()!;
            var shape = entry.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            weights["model.encoder." + key] = FormulaTensor(key, shape, gain);
        }

        weights["model.decoder.embed_tokens.weight"] = full(16, 64, 7f);
        weights["proj_out.weight"] = full(16, 64, -7f);
        Safetensors.SaveStateDict(Path.Combine(folder, "model.safetensors"), weights);
        foreach (var tensor in weights.Values)
            tensor.Dispose();
        return folder;
    }

    /// <summary>make_whisper_fixture.py's formula_tensor: float64 values from the key and element index, cast to float32.</summary>
    private static Tensor FormulaTensor(string key, long[] shape, double gain)
    {
        using var scope = NewDisposeScope();
        var seed = key.Select((c, p) => (p + 1) * (long)c).Sum() % 9973;
        var numel = shape.Aggregate(1L, (a, b) => a * b);
        var ji = arange(numel, dtype: ScalarType.Int64);
        var j = ji.to_type(ScalarType.Float64);
        var phase = (0.7 * j) + (0.1 * seed) + (0.9 * ji.mul(ji).remainder(1009).to_type(ScalarType.Float64));
        var values = key switch
        {
            "embed_positions.weight" => 0.5 * phase.sin(),
            _ when key.EndsWith("weight", StringComparison.Ordinal) && shape.Length >= 2 => gain * phase.sin() / Math.Sqrt(numel / (double)shape[0]),
            _ when key.EndsWith("weight", StringComparison.Ordinal) => 1 + (0.1 * phase.sin()),
            _ when key.EndsWith("bias", StringComparison.Ordinal) => 0.05 * phase.cos(),
            _ => throw new InvalidOperationException($"no formula for {key}"),
        };
        return values.reshape(shape).to_type(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    /// <summary>The fixture's batch: the 2 s chirp, and its first 1.25 s zero-padded to 2 s with a mask.</summary>
    private static (Tensor Values, Tensor Mask) FixtureBatch()
    {
        var lengths = Root.GetProperty("valid_samples").EnumerateArray().Select(v => v.GetInt32()).ToArray();
        var wave = Chirp(lengths[0]);
        var padded = wave.Take(lengths[1]).Concat(new float[lengths[0] - lengths[1]]);
        var values = tensor(wave.Concat(padded).ToArray(), [2, lengths[0]]);
        var mask = tensor(Enumerable.Range(0, 2 * lengths[0]).Select(i => i < lengths[0] || i - lengths[0] < lengths[1] ? 1L : 0L).ToArray(), [2, lengths[0]]);
        return (values, mask);
    }

    /// <summary>The fixture's signal: 0.3 (sin φ + 0.5 sin 2φ + 0.25 sin 3φ) / 1.75, φ a 200 Hz → 2 kHz chirp over 2 s.</summary>
    private static float[] Chirp(int samples)
    {
        var wave = new float[samples];
        for (var n = 0; n < samples; n++)
        {
            var t = n / 16000.0;
            var phi = 2 * Math.PI * ((200.0 * t) + ((2000.0 - 200.0) / (2 * 2.0) * t * t));
            wave[n] = (float)(0.3 * (Math.Sin(phi) + (0.5 * Math.Sin(2 * phi)) + (0.25 * Math.Sin(3 * phi))) / 1.75);
        }

        return wave;
    }

    private static Tensor Matrix(JsonElement rows)
    {
        var values = rows.EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetSingle()).ToArray()).ToArray();
        return tensor(values.SelectMany(r => r).ToArray(), [values.Length, values[0].Length]);
    }

    private void AssertClose(string what, Tensor actual, Tensor expected, double tolerance)
    {
        Assert.Equal(expected.shape, actual.shape);
        using var difference = (actual.detach() - expected).abs().max();
        using var scale = expected.abs().max();
        var relative = difference.item<float>() / scale.item<float>();
        output.WriteLine($"{what}: max |ours − reference| / max |reference| = {relative:E2}");
        Assert.True(relative < tolerance, $"{what}: max |ours − reference| / max |reference| = {relative:E2}");
        expected.Dispose();
    }

    private static string FixturePath(string name) => Path.Combine(AppContext.BaseDirectory, "fixtures", name);

    private sealed class OfflineHandler : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            throw new HttpRequestException("network unreachable (test)");
    }
}
