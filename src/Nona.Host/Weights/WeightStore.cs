using System.Collections;
using System.Security.Cryptography;
using Nona.Abstractions;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Nona.Host.Weights;

/// <summary>
/// The host's <see cref="IWeightStore"/>: local files, verified downloads into a cache folder, PyTorch and
/// safetensors state dicts (read with TorchSharp.PyBridge), and name-by-name loading with one error listing every
/// missing, unexpected or mis-shaped key.
/// </summary>
internal sealed class WeightStore(string cacheFolder, string recipeFolder, HttpClient? http = null) : IWeightStore
{
    private static readonly HttpClient SharedHttp = new() { Timeout = TimeSpan.FromMinutes(30) };

    /// <summary>The folder downloads are cached in.</summary>
    public string DownloadFolder => Path.Combine(cacheFolder, "weights");

    /// <inheritdoc />
    public string Resolve(WeightSource source)
    {
        if (!Uri.TryCreate(source.Location, UriKind.Absolute, out var uri) || uri.IsFile)
        {
            var path = Path.GetFullPath(source.Location, recipeFolder);
            if (!File.Exists(path))
                throw new NonaException($"weights file not found: {path}; check backbone.weights (relative paths resolve against the recipe's folder)");
            if (source.Sha256 is { } expected)
                Verify(path, expected, path);
            return path;
        }

        if (uri.Scheme is not ("http" or "https"))
            throw new NonaException($"weights '{source.Location}': only local files and http(s) URLs are supported");
        // Cached under host and path, so files of the same name from different models never collide.
        var cached = Path.Combine(DownloadFolder, uri.Host, Path.Combine(uri.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries)));
        if (source.Sha256 is { Length: >= 8 } sha)
        {
            if (File.Exists(cached) && Matches(Sha256Of(cached), sha))
                return cached;
            Download(uri, cached, sha);
            return cached;
        }

        if (!source.TrustOnFirstUse)
            throw new NonaException($"weights '{source.Location}': a URL needs its SHA-256 (backbone.sha256: at least the first 8 hex digits) so the download can be verified");
        return TrustOnFirstUse(uri, cached);
    }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, Tensor> Read(string path) => ReadCheckpoint(path).Tensors;

    /// <inheritdoc />
    public WeightCheckpoint ReadCheckpoint(string path)
    {
        try
        {
            if (path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
                return new WeightCheckpoint(Safetensors.LoadStateDict(path), new Dictionary<string, object>(StringComparer.Ordinal));
            var table = PyTorchUnpickler.UnpickleStateDict(path);
            var metadata = new Dictionary<string, object>(StringComparer.Ordinal);
            CollectMetadata(table, "", metadata);
            var tensors = Flatten(table);
            DisposeOthers(table, new HashSet<Tensor>(tensors.Values, ReferenceEqualityComparer.Instance));
            return new WeightCheckpoint(tensors, metadata);
        }
        catch (Exception e) when (e is not NonaException)
        {
            throw new NonaException($"{path}: cannot read a state dict ({e.Message.ReplaceLineEndings(" ")}); expected a PyTorch .pth/.pt/.bin state dict or a .safetensors file");
        }
    }

    /// <inheritdoc />
    public void LoadInto(nn.Module module, IReadOnlyDictionary<string, Tensor> weights, string source, IReadOnlyCollection<string>? ignored = null)
    {
        bool Ignored(string key) => ignored?.Any(i => i.EndsWith('.') ? key.StartsWith(i, StringComparison.Ordinal) : key == i) == true;
        var given = weights.Where(w => !Ignored(w.Key)).ToDictionary(w => w.Key, w => w.Value);
        var problems = ModuleWeights.Problems(module, given);
        if (problems.Length > 0)
            throw new NonaException($"{source}: the weights do not fit this backbone ({problems}); check the architecture options (depth, blocks) or the file");
        ModuleWeights.CopyInto(module, given);
    }

    /// <summary>
    /// For published files whose hash no one can cite: the first download's SHA-256 is recorded beside it (and shown),
    /// and every later use is verified against that record, so a changed or corrupted file is noticed.
    /// </summary>
    private string TrustOnFirstUse(Uri uri, string cached)
    {
        var record = cached + ".sha256";
        if (File.Exists(cached) && File.Exists(record))
        {
            var expected = File.ReadAllText(record).Trim();
            Verify(cached, expected, $"{cached} (recorded at its first download from {uri})");
            return cached;
        }

        Download(uri, cached, sha: null);
        var hash = Sha256Of(cached);
        File.WriteAllText(record, hash + "\n");
        Console.Error.WriteLine($"weights: downloaded {uri}; SHA-256 {hash} recorded in {record}; later loads are verified against it");
        return cached;
    }

    private void Download(Uri uri, string target, string? sha)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var temporary = $"{target}.download-{Environment.ProcessId}";
        try
        {
            using (var response = (http ?? SharedHttp).GetAsync(uri, HttpCompletionOption.ResponseHeadersRead).GetAwaiter().GetResult())
            {
                if (!response.IsSuccessStatusCode)
                    throw new NonaException($"weights {uri}: download failed with HTTP {(int)response.StatusCode}; check the URL, or download it yourself and set backbone.weights to the file");
                using var body = response.Content.ReadAsStream();
                using var file = File.Create(temporary);
                body.CopyTo(file);
            }

            if (sha is not null)
                Verify(temporary, sha, uri.ToString());
            File.Move(temporary, target, overwrite: true);
        }
        catch (HttpRequestException e)
        {
            throw new NonaException($"weights {uri}: cannot download ({e.Message}); without network, download the file elsewhere and set backbone.weights to its path");
        }
        finally
        {
            if (File.Exists(temporary))
                File.Delete(temporary);
        }
    }

    private static void Verify(string path, string expected, string what)
    {
        var actual = Sha256Of(path);
        if (!Matches(actual, expected))
            throw new NonaException($"weights {what}: SHA-256 {actual} does not match the expected {expected.ToLowerInvariant()}; the file is corrupt or not the one named (nothing was cached)");
    }

    private static bool Matches(string actual, string expected) => actual.StartsWith(expected.ToLowerInvariant(), StringComparison.Ordinal);

    private static string Sha256Of(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    // PyTorch checkpoints are sometimes {"state_dict": {...}} or {"model": {...}}; a plain state dict maps names to tensors.
    private static Dictionary<string, Tensor> Flatten(Hashtable table)
    {
        foreach (var wrapper in new[] { "state_dict", "model_state_dict", "model" })
        {
            if (table[wrapper] is Hashtable inner)
                return Flatten(inner);
        }

        return table.Cast<DictionaryEntry>().Where(e => e.Value is Tensor).ToDictionary(e => (string)e.Key, e => (Tensor)e.Value!);
    }

    // The unpickler has already materialised every tensor of the file: those are disposed here, the rest kept.
    /// <summary>Disposes the checkpoint's tensors that are not part of the state dict handed out (e.g. optimizer state).</summary>
    private static void DisposeOthers(Hashtable table, HashSet<Tensor> kept)
    {
        foreach (DictionaryEntry entry in table)
        {
            if (entry.Value is Tensor tensor && !kept.Contains(tensor))
                tensor.Dispose();
            else if (entry.Value is Hashtable inner)
                DisposeOthers(inner, kept);
        }
    }

    private static void CollectMetadata(Hashtable table, string prefix, Dictionary<string, object> metadata)
    {
        foreach (DictionaryEntry entry in table)
        {
            var key = prefix + Convert.ToString(entry.Key, System.Globalization.CultureInfo.InvariantCulture);
            switch (entry.Value)
            {
                case Hashtable inner:
                    CollectMetadata(inner, key + ".", metadata);
                    break;
                case int or long or short or byte:
                    metadata[key] = Convert.ToInt64(entry.Value, System.Globalization.CultureInfo.InvariantCulture);
                    break;
                case double or float:
                    metadata[key] = Convert.ToDouble(entry.Value, System.Globalization.CultureInfo.InvariantCulture);
                    break;
                case string or bool:
                    metadata[key] = entry.Value;
                    break;
            }
        }
    }

}
