using TorchSharp;

namespace Nona.Abstractions;

/// <summary>What the host tells a factory about the run it is creating a product for.</summary>
public sealed record PluginContext
{
    /// <summary>
    /// Width of this product's input: the dataset's vector size for a backbone, the backbone's output for a
    /// projector, the embedding size for a head or SoftStep, 0 for a dataset.
    /// </summary>
    public long InputDim { get; init; }

    /// <summary>Floating type of parameters and activations (float32 by default, float64 as an option).</summary>
    public torch.ScalarType DType { get; init; } = torch.ScalarType.Float32;

    /// <summary>The folder every dataset path resolves against (the recipe's <c>data.root</c>).</summary>
    public string DataRoot { get; init; } = ".";

    /// <summary>The recipe file, for messages that name it.</summary>
    public string RecipePath { get; init; } = "";

    /// <summary>The dotted recipe key this product was configured at (e.g. <c>datasets[0]</c>), for messages.</summary>
    public string RecipeKey { get; init; } = "";

    /// <summary>The run's base seed.</summary>
    public int Seed { get; init; }

    /// <summary>The recipe's folder: relative weight paths resolve against it.</summary>
    public string RecipeFolder { get; init; } = ".";

    /// <summary>A folder for caches (downloaded weights, frozen-backbone features), created on first use.</summary>
    public string CacheFolder { get; init; } = Path.Combine(Path.GetTempPath(), "nona-cache");

    /// <summary>Finds, downloads and reads pretrained weights.</summary>
    public required IWeightStore Weights { get; init; }

    /// <summary>Reads CSV/TSV tables (the one table reader every dataset uses).</summary>
    public required ITableReader Tables { get; init; }

    /// <summary>Creates plugins that options reference.</summary>
    public required IPluginResolver Plugins { get; init; }

    /// <summary>Where the plugin's options sit, for messages: <c>recipe.yaml: datasets[0]</c>.</summary>
    public string Where => $"{RecipePath}: {RecipeKey}";

    /// <summary>
    /// The file at <paramref name="relative"/> under <see cref="DataRoot"/>; otherwise a one-line
    /// <see cref="NonaException"/> naming the option <paramref name="key"/>, the path looked at, data.root, how to get
    /// the data (<paramref name="getIt"/>) and <c>--set data.root=DIR</c>.
    /// </summary>
    public string RequireDataFile(string key, string relative, string what, string getIt) =>
        RequireData(key, relative, what, getIt, File.Exists);

    /// <summary>As <see cref="RequireDataFile"/>, for a folder.</summary>
    public string RequireDataFolder(string key, string relative, string what, string getIt) =>
        RequireData(key, relative, what, getIt, Directory.Exists);

    /// <summary>
    /// The keys every table-backed dataset shares: <c>path</c> (<paramref name="what"/>, under data.root) and
    /// <c>target</c> must be given and <c>delimiter</c> must be at most one character; returns the table's full path,
    /// or throws a one-line <see cref="NonaException"/> naming the key and the fix.
    /// </summary>
    public string RequireTable(string path, string target, string delimiter, string what)
    {
        ArgumentNullException.ThrowIfNull(delimiter);
        if (string.IsNullOrWhiteSpace(path))
            throw new NonaException($"{Where}.path is required: {what}, relative to data.root");
        if (string.IsNullOrWhiteSpace(target))
            throw new NonaException($"{Where}.target is required: the name of the label column to predict");
        if (delimiter.Length > 1)
            throw new NonaException($"{Where}.delimiter must be one character (got '{delimiter}')");
        return RequireDataFile("path", path, "the table", "check the path or point data.root at its folder");
    }

    private string RequireData(string key, string relative, string what, string getIt, Func<string, bool> exists)
    {
        var root = Path.GetFullPath(DataRoot);
        var path = Path.GetFullPath(relative, root);
        if (!exists(path))
            throw new NonaException($"{Where}.{key}: {what} not found: {path} (data.root is {root}); {getIt}, then pass --set data.root=DIR");
        return path;
    }
}
