using System.ComponentModel;
using System.Security.Cryptography;
using Nona.Abstractions;
using Nona.Plugins.Audio.Modules;
using static TorchSharp.torch;

namespace Nona.Plugins.Audio.Backbones;

/// <summary>Options of the <c>hubert</c> backbone.</summary>
public sealed class HubertOptions
{
    /// <summary>A Hugging Face HuBERT folder or weight file, or the preset <c>hubert-base-ls960</c>.</summary>
    [Description("a Hugging Face HuBERT folder (config.json + model.safetensors or pytorch_model.bin), a single weight file (sizes from a config.json beside it, else HuBERT-base), or hubert-base-ls960 (downloaded once into the cache)")]
    public string Weights { get; set; } = "";

    /// <summary>Fine-tune or keep frozen.</summary>
    [Description("true: fine-tune (the paper); false: frozen, features computed once and cached")]
    public bool Trainable { get; set; } = true;

    /// <summary>Keep the CNN feature encoder fixed while the transformer fine-tunes.</summary>
    [Description("keep the CNN feature encoder (feature_extractor.*) fixed while the rest fine-tunes, as Hugging Face's fine-tuning recipes do")]
    public bool FreezeFeatureEncoder { get; set; } = true;
}

/// <summary>
/// HuBERT (Hsu et al., 2021) on raw 16 kHz audio, Hugging Face HubertModel weights. Clips are used as they come, not
/// normalised (HuBERT-base's feature extractor has do_normalize false; see the dataset's <c>normalize</c>).
/// </summary>
[NonaPlugin("hubert", PluginKind.Backbone, Description = "HuBERT speech encoder on raw 16 kHz audio (Hugging Face weights; hubert-base-ls960), mean-pooled over the audio's frames")]
public sealed class HubertBackboneFactory : PluginFactory<HubertOptions, FeatureExtractor>
{
    /// <summary>The preset's name.</summary>
    public const string BasePreset = "hubert-base-ls960";

    /// <summary>Where the preset's files come from.</summary>
    public const string BasePresetUrl = "https://huggingface.co/facebook/hubert-base-ls960/resolve/main/";

    // Bump when the pooling or the model's arithmetic changes: cached frozen features keyed on the old output must go.
    private const string Version = "nona-hubert-v1";

    /// <inheritdoc />
    protected override FeatureExtractor Create(HubertOptions options, PluginContext context)
    {
        var where = $"{context.RecipePath}: {context.RecipeKey}.weights";
        var (weightFile, configFile) = Locate(options.Weights, context, where);
        HubertConfig config;
        try
        {
            config = configFile is null ? new HubertConfig() : HubertConfig.Load(configFile);
        }
        catch (Exception e) when (e is InvalidDataException or NotSupportedException or IOException)
        {
            throw new NonaException($"{where}: {e.Message}");
        }

        var model = new HubertModel(config);
        try
        {
            Load(model, weightFile, context);
        }
        catch
        {
            model.Dispose();
            throw;
        }

        var fingerprint = $"{Version}|{Sha256(weightFile)}|config={(configFile is null ? "default" : Sha256(configFile))}|freeze_feature_encoder={options.FreezeFeatureEncoder}";
        return new HubertBackbone(model, !options.Trainable, options.FreezeFeatureEncoder, fingerprint);
    }

    /// <summary>The weight file and the config.json beside it (null: none, HuBERT-base sizes).</summary>
    private static (string Weights, string? Config) Locate(string weights, PluginContext context, string where)
    {
        var help = $"download facebook/hubert-base-ls960 (config.json + model.safetensors or pytorch_model.bin) from https://huggingface.co/facebook/hubert-base-ls960 into a folder and pass --set {context.RecipeKey}.weights=<that folder>, or pass --set {context.RecipeKey}.weights={BasePreset} to download it into the cache";
        if (weights.Length == 0)
            throw new NonaException($"{where} is required: a Hugging Face HuBERT folder or weight file; {help}");
        if (weights == BasePreset)
            return DownloadPreset(context);
        var path = Path.GetFullPath(weights, context.RecipeFolder);
        if (Directory.Exists(path))
        {
            var file = new[] { "model.safetensors", "pytorch_model.bin" }.Select(f => Path.Combine(path, f)).FirstOrDefault(File.Exists)
                ?? throw new NonaException($"{where}: {path} has neither model.safetensors nor pytorch_model.bin; {help}");
            return (file, ConfigBeside(file));
        }

        if (File.Exists(path))
            return (path, ConfigBeside(path));
        throw new NonaException($"{where}: no such folder or file: {path}; {help}");
    }

    private static string? ConfigBeside(string weightFile)
    {
        var config = Path.Combine(Path.GetDirectoryName(weightFile)!, "config.json");
        return File.Exists(config) ? config : null;
    }

    // Hugging Face publishes no hash we can cite: the first download's SHA-256 is recorded in the cache and every
    // later load is verified against it (IWeightStore's trust on first use). pytorch_model.bin is the file the model
    // was published with; a copy that fails its recorded SHA-256 stops the run with that message.
    private static (string Weights, string? Config) DownloadPreset(PluginContext context) =>
        (context.Weights.Resolve(new WeightSource(BasePresetUrl + "pytorch_model.bin", TrustOnFirstUse: true)),
         context.Weights.Resolve(new WeightSource(BasePresetUrl + "config.json", TrustOnFirstUse: true)));

    /// <summary>Reads <paramref name="file"/>, maps HF's key spellings onto ours and copies it in; every misfit is listed.</summary>
    private static void Load(HubertModel model, string file, PluginContext context)
    {
        var checkpoint = context.Weights.Read(file);
        try
        {
            Dictionary<string, Tensor> weights;
            try
            {
                (weights, _) = HubertStateDict.Normalize(checkpoint);
            }
            catch (InvalidDataException e)
            {
                throw new NonaException($"{file}: {e.Message}");
            }

            context.Weights.LoadInto(model, weights, file);
        }
        finally
        {
            foreach (var tensor in checkpoint.Values)
                tensor.Dispose();
        }
    }

    private static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
