using System.Text.Json;
using Nona.Abstractions;
using Nona.Host.Weights;
using Nona.Plugins.Audio.Backbones;
using Nona.Plugins.Audio.Modules;
using Nona.Tests.Support;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Nona.Tests.Audio;

/// <summary>
/// The <c>hubert</c> backbone against torchaudio's HuBERT (tests/fixtures/make_hubert_fixture.py): the same formula
/// weights, written in Hugging Face names into a folder that the backbone loads as a user's download, give the same
/// frames and pooled features within 1e-4 relative — HuBERT-base itself and two small config.json sizes.
/// </summary>
public sealed class HubertParityTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-4;

    private static readonly Lazy<JsonDocument> Fixture = new(() => JsonDocument.Parse(
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "fixtures", "hubert_parity.json"))));

    // What Hugging Face transformers' HubertModel computes on the same formula weights and clips
    // (tests/fixtures/make_hf_audio_reference.py, run where transformers is installed).
    private static readonly Lazy<JsonDocument> HfReference = new(() => JsonDocument.Parse(
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "fixtures", "hf_audio_reference.json"))));

    private static JsonElement Root => Fixture.Value.RootElement;

    [Fact]
    public void Hubert_base_matches_torchaudio_per_frame_and_pooled_over_the_valid_frames()
    {
        // 95M parameters: loaded from memory through the loader's key mapping and the weight store, not through a
        // 380 MB file (the small cases below take the file path, which does not depend on the sizes). The
        // weight_g / weight_v spelling of facebook/hubert-base-ls960's files.
        var section = Root.GetProperty("hubert_base");
        var model = new HubertModel(HubertConfig.Parse(section.GetProperty("config").GetRawText()));
        var state = HubertFormula.StateDict(Root, section.GetProperty("config"), parametrizations: false);
        try
        {
            var (weights, dropped) = HubertStateDict.Normalize(state);
            Assert.Equal(["masked_spec_embed"], dropped);
            new WeightStore(Path.GetTempPath(), ".").LoadInto(model, weights, "formula weights");
        }
        finally
        {
            foreach (var tensor in state.Values)
                tensor.Dispose();
        }

        using var backbone = new HubertBackbone(model, frozen: true, freezeFeatureEncoder: true, fingerprint: null);
        CheckOutputs("hubert_base", backbone, unpadded: false); // the small cases run a second length through forward
    }

    [Fact]
    public void Small_group_norm_config_loads_from_a_ctc_style_file_with_parametrizations_weight_norm()
    {
        // HubertForCTC layout: "hubert." prefix, an lm_head, weight norm spelled by newer PyTorch; the weight file
        // itself is given, its sizes come from the config.json beside it.
        using var head = torch.zeros(5, 32);
        CheckCase("small_group", parametrizations: true, prefix: "hubert.", weightsIsFile: true, extra: new Dictionary<string, Tensor> { ["lm_head.weight"] = head });
    }

    [Fact]
    public void Small_layer_norm_stable_config_masks_attention_so_padding_does_not_change_the_pooled_features()
    {
        var section = Root.GetProperty("small_layer_stable");
        Assert.True(section.GetProperty("attention_mask").GetBoolean());
        Assert.True(section.GetProperty("padded_vs_unpadded_pooled_max_rel").GetDouble() < 1e-6); // torchaudio's own check
        CheckCase("small_layer_stable", parametrizations: false, prefix: "", weightsIsFile: false);
    }

    [Fact]
    public void Both_weight_norm_spellings_load_the_same_parameters()
    {
        using var temp = new TempFolder();
        var config = Root.GetProperty("small_group").GetProperty("config");
        HubertFormula.WriteFolder(Path.Combine(temp.Path, "old"), Root, config, parametrizations: false);
        HubertFormula.WriteFolder(Path.Combine(temp.Path, "new"), Root, config, parametrizations: true);

        using var old = HubertFormula.Backbone(Path.Combine(temp.Path, "old"), temp.Path);
        using var @new = HubertFormula.Backbone(Path.Combine(temp.Path, "new"), temp.Path);

        var oldState = old.state_dict();
        var newState = @new.state_dict();
        Assert.Equal(oldState.Keys.Order(StringComparer.Ordinal), newState.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("hubert.encoder.pos_conv_embed.conv.weight_g", oldState.Keys);
        Assert.All(oldState, kv => Assert.True(kv.Value.eq(newState[kv.Key]).all().item<bool>(), $"{kv.Key} differs"));
    }

    private void CheckCase(string name, bool parametrizations, string prefix, bool weightsIsFile, IReadOnlyDictionary<string, Tensor>? extra = null)
    {
        var section = Root.GetProperty(name);
        using var temp = new TempFolder();
        var file = HubertFormula.WriteFolder(Path.Combine(temp.Path, "model"), Root, section.GetProperty("config"), parametrizations, prefix, extra);
        using var backbone = (HubertBackbone)HubertFormula.Backbone(weightsIsFile ? file : Path.GetDirectoryName(file)!, temp.Path);
        CheckOutputs(name, backbone);
    }

    /// <summary>
    /// The fixture's batch (two clips, the second zero-padded, with its sample mask) and unpadded second clip, against
    /// torchaudio and against transformers.
    /// </summary>
    private void CheckOutputs(string caseName, HubertBackbone backbone, bool unpadded = true)
    {
        var section = Root.GetProperty(caseName);
        var transformers = HfReference.Value.RootElement.GetProperty("hubert").GetProperty(caseName);
        var name = section.GetProperty("config").GetProperty("hidden_size").GetInt32() == 768 ? "hubert_base" : $"{section.GetProperty("config").GetProperty("feat_extract_norm")} norm";
        var hidden = section.GetProperty("config").GetProperty("hidden_size").GetInt32();
        var samples = section.GetProperty("clip_samples").GetInt32();
        var valid = section.GetProperty("valid_samples").EnumerateArray().Select(v => v.GetInt32()).ToArray();
        var frameIds = section.GetProperty("frame_ids").EnumerateArray().Select(v => v.GetInt64()).ToArray();
        backbone.eval();
        using var batch = HubertFormula.Batch(HubertFormula.Chirp(valid[0]), HubertFormula.Chirp2(valid[1]), samples);
        using var noGrad = torch.no_grad();

        var (frames, frameMask) = backbone.Encode(batch);
        using (frames)
        using (frameMask)
        using (var selected = frames.index_select(1, torch.tensor(frameIds)))
        using (var expectedFrames = Expected(section.GetProperty("frames"), [2, frameIds.Length, hidden]))
        using (var pooled = HubertBackbone.Pool(frames, frameMask)) // what forward returns, without a second run
        using (var expectedPooled = Expected(section.GetProperty("pooled"), [2, hidden]))
        {
            Assert.Equal(section.GetProperty("frames_shape").EnumerateArray().Select(v => v.GetInt64()), frames.shape);
            Assert.Equal(section.GetProperty("valid_frames").EnumerateArray().Select(v => v.GetInt64()), frameMask.sum(1).data<long>().ToArray());
            Report($"{name} frames {string.Join(",", frameIds.Take(6))}{(frameIds.Length > 6 ? ",…" : "")}", selected, expectedFrames);
            Report($"{name} pooled over valid frames", pooled, expectedPooled);

            using var hfFrames = Expected(transformers.GetProperty("frames"), [2, frameIds.Length, hidden]);
            using var hfPooled = Expected(transformers.GetProperty("pooled"), [2, hidden]);
            Report($"{name} frames", selected, hfFrames, "transformers");
            Report($"{name} pooled over valid frames", pooled, hfPooled, "transformers");
        }

        if (unpadded)
        {
            // Through forward, as training calls it: a second length through the whole model.
            using var unpaddedBatch = new InputBatch(torch.tensor(HubertFormula.Chirp2(valid[1]), [1, valid[1]]));
            using var pooledUnpadded = backbone.call(unpaddedBatch);
            using var expectedUnpadded = Expected(section.GetProperty("unpadded_pooled"), [1, hidden]);
            Report($"{name} unpadded second clip pooled", pooledUnpadded, expectedUnpadded);
        }

    }

    private void Report(string what, Tensor actual, Tensor expected, string reference = "torchaudio")
    {
        Assert.Equal(expected.shape, actual.shape);
        var relative = (actual - expected).abs().max().item<float>() / expected.abs().max().item<float>();
        output.WriteLine($"{what}: max |ours − {reference}| / max |{reference}| = {relative:E2}");
        Assert.True(relative < Tolerance, $"{what}: relative error {relative:E2} ≥ {Tolerance:E0}");
    }

    // A JSON array of numbers, or of arrays of numbers, read flat into `shape`.
    private static Tensor Expected(JsonElement values, long[] shape) =>
        torch.tensor(values.EnumerateArray().SelectMany<JsonElement, JsonElement>(v => v.ValueKind == JsonValueKind.Array ? [.. v.EnumerateArray()] : [v]).Select(v => v.GetSingle()).ToArray(), shape);
}
