using System.Diagnostics;
using System.Text.Json;
using Nona.Plugins.Text.Modules;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Nona.Tests.Text;

/// <summary>
/// DistilBERT against a stock-PyTorch mirror of Hugging Face's modeling_distilbert.py
/// (tests/fixtures/make_distilbert_fixture.py): the same state_dict layout, and the same eval-mode last hidden state
/// when both carry the fixture's formula weights.
/// </summary>
public sealed class DistilBertParityTests(ITestOutputHelper output)
{
    private static readonly Lazy<JsonDocument> Fixture = new(() => JsonDocument.Parse(
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "fixtures", "distilbert_parity.json"))));

    private static JsonElement Root => Fixture.Value.RootElement;

    /// <summary>The fixture's config, read through <see cref="BertConfig.Parse"/> as a checkpoint's config.json would be.</summary>
    private static BertConfig FixtureConfig()
    {
        var config = BertConfig.Parse(Root.GetProperty("config").GetRawText());
        Assert.Equal(BertModelType.DistilBert, config.ModelType);
        Assert.Equal(Root.GetProperty("config").GetProperty("layer_norm_eps").GetDouble(), config.LayerNormEps);
        return config;
    }

    [Fact]
    public void State_dict_keys_and_shapes_equal_hugging_face_without_the_distilbert_prefix()
    {
        using var model = new DistilBertModel(FixtureConfig());
        var ours = model.state_dict().Select(kv => $"{kv.Key} [{string.Join(", ", kv.Value.shape)}]").ToList();
        var theirs = FixtureKeys().Select(k => $"{k.Key} [{string.Join(", ", k.Shape)}]").ToList();

        // 4 embedding tensors + 16 per block (4 linears and 2 LayerNorms with weight and bias, lin1, lin2).
        Assert.Equal(4 + (16 * 2), theirs.Count);
        Assert.Equal(theirs.Order(StringComparer.Ordinal), ours.Order(StringComparer.Ordinal));
        // No buffers, so TorchSharp's order (parameters, then buffers) is PyTorch's as well: .pth writers can rely on it.
        Assert.Equal(theirs, ours);
    }

    [Fact]
    public void Eval_last_hidden_state_matches_the_reference_within_1e_4_relative_padded_rows_included()
    {
        using var model = FormulaModel();
        model.eval();
        var (ids, mask) = FixtureInputs();
        using var expected = ExpectedOutputs();

        using var actual = model.Forward(ids, mask);

        Assert.Equal(expected.shape, actual.shape);
        var relative = (actual - expected).abs().max().item<float>() / expected.abs().max().item<float>();
        output.WriteLine($"max |ours − reference| / max |reference| = {relative:E2} over all (2, 7, 32) values");
        Assert.True(relative < 1e-4, $"max |ours − reference| / max |reference| = {relative:E2}");
        ids.Dispose();
        mask.Dispose();
    }

    [Fact]
    public void Padding_does_not_change_the_outputs_of_real_tokens()
    {
        using var model = FormulaModel();
        model.eval();
        var (ids, mask) = FixtureInputs();
        var length = Root.GetProperty("attention_mask")[1].EnumerateArray().Count(m => m.GetInt32() == 1); // 4
        using var shortIds = ids[1, TensorIndex.Slice(0, length)].unsqueeze(0);                              // (1, 4)
        using var shortMask = torch.ones_like(shortIds);

        using var padded = model.Forward(ids, mask);
        using var unpadded = model.Forward(shortIds, shortMask);
        using var realRows = padded[1, TensorIndex.Slice(0, length)].unsqueeze(0);                           // (1, 4, dim)

        Assert.Equal([1L, length, 32L], unpadded.shape);
        var difference = (realRows - unpadded).abs().max().item<float>();
        output.WriteLine($"max |padded − unpadded| over the 4 real tokens = {difference:E2}");
        Assert.True(difference < 1e-5, $"padding moved the real tokens' outputs by {difference:E2}");
        ids.Dispose();
        mask.Dispose();
    }

    [Fact]
    public void A_row_with_every_key_padded_gives_finite_outputs()
    {
        using var model = FormulaModel();
        model.eval();
        var (ids, _) = FixtureInputs();
        using var mask = torch.zeros_like(ids);

        using var hidden = model.Forward(ids, mask);

        Assert.True(hidden.isfinite().all().item<bool>(), "an all-padded row produced NaN or ±inf");
        ids.Dispose();
    }

    [Fact]
    public void Train_mode_forward_gives_finite_gradients_for_every_parameter()
    {
        using var model = new DistilBertModel(FixtureConfig()); // HF's initialisation, as a fresh model trains from it
        model.train();
        var (ids, mask) = FixtureInputs();

        using var hidden = model.Forward(ids, mask);
        using var loss = (hidden * mask.unsqueeze(-1)).square().mean();
        loss.backward();

        Assert.True(double.IsFinite(loss.item<float>()));
        foreach (var (name, parameter) in model.named_parameters())
        {
            var grad = parameter.grad;
            Assert.True(grad is not null, $"{name} has no gradient");
            Assert.True(grad.isfinite().all().item<bool>(), $"{name} has a non-finite gradient");
        }

        ids.Dispose();
        mask.Dispose();
    }

    [Fact]
    public void A_sequence_longer_than_max_position_embeddings_is_rejected_with_both_numbers()
    {
        using var model = new DistilBertModel(FixtureConfig());
        using var ids = torch.ones(1, 17, dtype: int64);
        using var mask = torch.ones(1, 17, dtype: int64);

        var error = Assert.Throws<ArgumentException>(() => model.Forward(ids, mask));

        Assert.Contains("length 17", error.Message, StringComparison.Ordinal);
        Assert.Contains("max_position_embeddings is 16", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bert_config_is_rejected()
    {
        var bert = FixtureConfig() with { ModelType = BertModelType.Bert, TypeVocabSize = 2 };

        var error = Assert.Throws<ArgumentException>(() => new DistilBertModel(bert));

        Assert.Contains("distilbert", error.Message, StringComparison.Ordinal);
    }

    private sealed record FixtureKey(string Key, long[] Shape);

    private static List<FixtureKey> FixtureKeys() => Root.GetProperty("state_dict").EnumerateArray()
        .Select(e => new FixtureKey(e.GetProperty("key").GetString()!, e.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray()))
        .ToList();

    /// <summary>The fixture's "formulas": i is the key's index in the fixture's state_dict list, j the flat element index.</summary>
    private static DistilBertModel FormulaModel()
    {
        var model = new DistilBertModel(FixtureConfig());
        var gain = Root.GetProperty("gain").GetDouble();
        var index = FixtureKeys().Select((k, i) => (k.Key, i)).ToDictionary(p => p.Key, p => p.i);
        using var noGrad = torch.no_grad();
        foreach (var (key, tensor) in model.state_dict())
        {
            using var scope = NewDisposeScope();
            var i = index[key];
            var ji = torch.arange(tensor.numel(), dtype: int64);
            var j = ji.to_type(float64);
            var phase = (0.7 * j) + (1.3 * i) + (0.9 * ji.mul(ji).remainder(1009).to_type(float64));
            var values = key switch
            {
                _ when key.EndsWith("weight", StringComparison.Ordinal) && tensor.dim() == 2 && key.StartsWith("embeddings.", StringComparison.Ordinal) =>
                    0.5 * phase.sin(),
                _ when key.EndsWith("weight", StringComparison.Ordinal) && tensor.dim() == 2 => gain * phase.sin() / Math.Sqrt(tensor.shape[1]),
                _ when key.EndsWith("weight", StringComparison.Ordinal) => 1 + (0.1 * phase.sin()),
                _ when key.EndsWith("bias", StringComparison.Ordinal) => 0.05 * phase.cos(),
                _ => throw new InvalidOperationException($"no formula for {key}"),
            };
            tensor.copy_(values.reshape(tensor.shape).to_type(tensor.dtype));
        }

        return model;
    }

    private static (Tensor Ids, Tensor Mask) FixtureInputs()
    {
        static Tensor Read(string name)
        {
            var rows = Root.GetProperty(name).EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetInt64()).ToArray()).ToArray();
            return torch.tensor(rows.SelectMany(r => r).ToArray(), [rows.Length, rows[0].Length]);
        }

        return (Read("input_ids"), Read("attention_mask"));
    }

    private static Tensor ExpectedOutputs()
    {
        var shape = Root.GetProperty("last_hidden_state_shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
        var values = Root.GetProperty("last_hidden_state").EnumerateArray()
            .SelectMany(seq => seq.EnumerateArray())
            .SelectMany(row => row.EnumerateArray().Select(v => v.GetSingle()))
            .ToArray();
        return torch.tensor(values, shape);
    }
}
