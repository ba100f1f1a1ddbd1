using System.Text.Json;
using System.Text.Json.Nodes;
using Nona.Abstractions;
using Nona.Plugins.Audio.Backbones;
using Nona.Plugins.Audio.Modules;
using Nona.Tests.Support;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Nona.Tests.Audio;

/// <summary>
/// The <c>hubert</c> factory as a recipe meets it: where weights come from, what a bad folder or checkpoint says,
/// what trains and what stays fixed. Small config.json sizes (tests/fixtures/hubert_parity.json's small_group).
/// </summary>
public sealed class HubertBackboneTests
{
    private static readonly Lazy<JsonDocument> Fixture = new(() => JsonDocument.Parse(
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "fixtures", "hubert_parity.json"))));

    private static JsonElement Root => Fixture.Value.RootElement;

    private static JsonElement SmallConfig => Root.GetProperty("small_group").GetProperty("config");

    [Fact]
    public void A_weights_folder_that_does_not_exist_names_the_key_where_to_get_the_model_and_what_to_pass()
    {
        using var temp = new TempFolder();

        var error = Assert.Throws<NonaException>(() => HubertFormula.Backbone("models/hubert", temp.Path));

        Assert.Contains("backbone.weights", error.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(temp.Path, "models", "hubert"), error.Message, StringComparison.Ordinal);
        Assert.Contains("https://huggingface.co/facebook/hubert-base-ls960", error.Message, StringComparison.Ordinal);
        Assert.Contains("--set backbone.weights=", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void No_weights_at_all_says_they_are_required_and_offers_the_preset()
    {
        using var temp = new TempFolder();

        var error = Assert.Throws<NonaException>(() => HubertFormula.Backbone("", temp.Path));

        Assert.Contains("backbone.weights is required", error.Message, StringComparison.Ordinal);
        Assert.Contains("--set backbone.weights=hubert-base-ls960", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_checkpoint_missing_a_layer_lists_the_missing_keys()
    {
        using var temp = new TempFolder();
        var folder = Path.Combine(temp.Path, "model");
        HubertFormula.WriteFolder(folder, Root, SmallConfig, parametrizations: false, skip: key => key.StartsWith("encoder.layers.1.", StringComparison.Ordinal));

        var error = Assert.Throws<NonaException>(() => HubertFormula.Backbone(folder, temp.Path));

        Assert.Contains(Path.Combine(folder, "model.safetensors"), error.Message, StringComparison.Ordinal);
        Assert.Contains("missing 16", error.Message, StringComparison.Ordinal); // 4 projections, 2 dense, 2 norms: weight + bias each
        Assert.Contains("encoder.layers.1.attention.k_proj.weight", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("unexpected", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_config_of_another_architecture_is_refused_naming_the_file()
    {
        using var temp = new TempFolder();
        var folder = Path.Combine(temp.Path, "model");
        HubertFormula.WriteFolder(folder, Root, SmallConfig, parametrizations: false);
        File.WriteAllText(Path.Combine(folder, "config.json"), """{"model_type": "wav2vec2"}""");

        var error = Assert.Throws<NonaException>(() => HubertFormula.Backbone(folder, temp.Path));

        Assert.Contains(Path.Combine(folder, "config.json"), error.Message, StringComparison.Ordinal);
        Assert.Contains("model_type 'wav2vec2'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fine_tuning_keeps_the_feature_encoder_fixed_and_trains_the_rest_with_finite_gradients()
    {
        using var temp = new TempFolder();
        var folder = Path.Combine(temp.Path, "model");
        // No layerdrop here: a skipped layer would rightly get no gradient.
        var config = JsonNode.Parse(SmallConfig.GetRawText())!.AsObject();
        config["layerdrop"] = 0.0;
        using var configDocument = JsonDocument.Parse(config.ToJsonString());
        HubertFormula.WriteFolder(folder, Root, configDocument.RootElement, parametrizations: true);
        using var backbone = HubertFormula.Backbone(folder, temp.Path, trainable: true);
        Assert.False(backbone.Frozen);
        Assert.Equal(32, backbone.OutputDim);
        Assert.Equal("audio", backbone.Modality);

        backbone.train();
        manual_seed(3);
        using var batch = HubertFormula.Batch(HubertFormula.Chirp(4000), HubertFormula.Chirp2(2600), 4000);
        using var features = backbone.call(batch);
        using var loss = features.square().mean();
        loss.backward();

        var parameters = backbone.named_parameters().ToList();
        Assert.Contains(parameters, p => p.name == "hubert.encoder.pos_conv_embed.conv.weight_g"); // g and v train, as in PyTorch
        foreach (var (name, parameter) in parameters)
        {
            var inFeatureEncoder = name.StartsWith("hubert.feature_extractor.", StringComparison.Ordinal);
            Assert.Equal(!inFeatureEncoder, parameter.requires_grad);
            if (inFeatureEncoder)
                Assert.Null(parameter.grad);
            else
                Assert.True(parameter.grad is { } grad && grad.isfinite().all().item<bool>(), $"{name} has no finite gradient");
            // Softmax ignores a shift shared by all keys, so k_proj's bias rightly gets (numerically) zero gradient.
            if (!inFeatureEncoder && !name.EndsWith("bias", StringComparison.Ordinal))
                Assert.True(parameter.grad!.abs().sum().item<float>() > 0, $"{name} has an all-zero gradient");
        }
    }

    [Fact]
    public void Frozen_backbone_trains_nothing_and_its_fingerprint_follows_the_weight_file()
    {
        using var temp = new TempFolder();
        var first = Path.Combine(temp.Path, "a");
        var second = Path.Combine(temp.Path, "b");
        HubertFormula.WriteFolder(first, Root, SmallConfig, parametrizations: false);
        HubertFormula.WriteFolder(second, Root, SmallConfig, parametrizations: false, skip: key => key == "masked_spec_embed"); // other bytes, same model

        using var a = HubertFormula.Backbone(first, temp.Path, trainable: false);
        using var aAgain = HubertFormula.Backbone(first, temp.Path, trainable: false);
        using var b = HubertFormula.Backbone(second, temp.Path, trainable: false);

        Assert.True(a.Frozen);
        Assert.All(a.parameters(), p => Assert.False(p.requires_grad));
        a.train();
        Assert.False(a.training); // dropout stays off for cached features
        Assert.NotNull(a.Fingerprint);
        Assert.Equal(a.Fingerprint, aAgain.Fingerprint);
        Assert.NotEqual(a.Fingerprint, b.Fingerprint);
    }

    [Fact]
    public void Valid_frames_follow_the_conv_length_formula_and_a_clip_without_a_full_frame_pools_to_zero()
    {
        var config = new HubertConfig(); // HuBERT-base: 400-sample receptive field, 320-sample hop
        Assert.Equal(49, config.Frames(16000));
        Assert.Equal(29, config.Frames(9600));
        Assert.Equal(1, config.Frames(400));
        Assert.Equal(0, config.Frames(399));

        using var hidden = torch.ones(2, 3, 4);
        using var mask = torch.tensor(new[] { true, true, false, false, false, false }, [2, 3]);
        using var pooled = HubertBackbone.Pool(hidden * torch.arange(1, 4).view(1, 3, 1), mask);
        Assert.Equal(new[] { 1.5f, 1.5f, 1.5f, 1.5f, 0f, 0f, 0f, 0f }, pooled.data<float>().ToArray());
    }
}
