using System.Security.Cryptography;
using System.Text;
using Nona.Abstractions;
using Nona.Host.Output;
using Nona.Host.Torch;
using static TorchSharp.torch;

namespace Nona.Host.Protocol;

/// <summary>
/// The frozen-backbone feature cache: a backbone with <c>trainable: false</c> runs once per dataset, in eval mode,
/// and every split trains only the projector and head on its features. On disk the features are keyed by a hash of
/// the backbone's fingerprint (weights, preprocessing) and the inputs' fingerprint (file bytes), so later runs reuse
/// them; either fingerprint missing keeps them in memory for this run only.
/// </summary>
internal static class FrozenFeatures
{
    private const int Chunk = 64;

    /// <summary>Every row's features, from the cache when it has them.</summary>
    public static double[][] Compute(FeatureExtractor backbone, InputSource inputs, Placement placement, string cacheFolder, Action<string> note)
    {
        var path = CachePath(backbone, inputs, placement, cacheFolder);
        if (path is not null && File.Exists(path))
        {
            note($"frozen-backbone features reused from {path}");
            return Read(path);
        }

        backbone.eval();
        var rows = new List<double[]>(inputs.Count);
        using (no_grad())
        {
            var plan = Enumerable.Range(0, inputs.Count).Chunk(Chunk).Select(c => c.Select(i => (long)i).ToArray()).ToList();
            foreach (var batch in inputs.Batches(plan, placement.DType, placement.Device))
            {
                using (batch)
                using (var features = backbone.call(batch))
                    rows.AddRange(Placement.ToRows(features));
            }
        }

        var result = rows.ToArray();
        if (path is not null)
            AtomicFile.Write(path, temporary => Write(temporary, result));
        return result;
    }

    private static string? CachePath(FeatureExtractor backbone, InputSource inputs, Placement placement, string cacheFolder)
    {
        if (backbone.Fingerprint is not { } weights || inputs.Fingerprint() is not { } data)
            return null;
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{weights}\n{data}\n{placement.DType}")));
        return Path.Combine(cacheFolder, "features", key + ".bin");
    }

    // Format: int32 rows, int32 width, then rows × width float64, little-endian.
    private static void Write(string path, double[][] rows)
    {
        using var writer = new BinaryWriter(File.Create(path));
        writer.Write(rows.Length);
        writer.Write(rows.Length == 0 ? 0 : rows[0].Length);
        foreach (var row in rows)
        {
            foreach (var value in row)
                writer.Write(value);
        }
    }

    private static double[][] Read(string path)
    {
        using var reader = new BinaryReader(File.OpenRead(path));
        var count = reader.ReadInt32();
        var width = reader.ReadInt32();
        var rows = new double[count][];
        for (var i = 0; i < count; i++)
        {
            rows[i] = new double[width];
            for (var j = 0; j < width; j++)
                rows[i][j] = reader.ReadDouble();
        }

        return rows;
    }
}

/// <summary>Stands in for a frozen backbone once its features are computed: passes the cached features through.</summary>
internal sealed class PrecomputedBackbone(long dim) : FeatureExtractor(nameof(PrecomputedBackbone))
{
    /// <inheritdoc />
    public override long OutputDim => dim;

    /// <inheritdoc />
    public override string Modality => "vector";

    /// <inheritdoc />
    public override Tensor forward(InputBatch input) => input.Values.alias();
}
