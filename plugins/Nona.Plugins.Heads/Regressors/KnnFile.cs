using System.Runtime.InteropServices;
using System.Text;

namespace Nona.Plugins.Heads.Regressors;

/// <summary>
/// The binary file of a fitted <see cref="KnnRegressor"/>: the chosen (k, p, weights) and its CV MSE, the
/// standardiser, the labels, and the fitting rows once, as given to Fit — float32 when every value is one (a
/// float32 model's embeddings: half the size, still exact), else float64. The standardised search layout is
/// rebuilt on load (the same arithmetic, so the same bits), not stored.
/// </summary>
internal static class KnnFile
{
    private static readonly byte[] Magic = Encoding.ASCII.GetBytes("NONA-KNN");
    private const int Version = 1;

    /// <summary>What is saved.</summary>
    public sealed record State(double[][] Inputs, double[] Labels, double[] Mean, double[] Scale, int K, int P, KnnWeighting Weights, double CvMse);

    public static void Write(Stream stream, State s)
    {
        // Arrays go out as raw little-endian bytes (one copy per row, no per-value calls).
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("k-NN files are written on little-endian machines");
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        var width = s.Mean.Length;
        var asFloat = s.Inputs.All(r => r.All(v => (double)(float)v == v || double.IsNaN(v)));
        writer.Write(Magic);
        writer.Write(Version);
        writer.Write(s.Inputs.Length);
        writer.Write(width);
        writer.Write(s.K);
        writer.Write(s.P);
        writer.Write((int)s.Weights);
        writer.Write(s.CvMse);
        writer.Write(MemoryMarshal.AsBytes(s.Mean.AsSpan()));
        writer.Write(MemoryMarshal.AsBytes(s.Scale.AsSpan()));
        writer.Write(MemoryMarshal.AsBytes(s.Labels.AsSpan()));
        writer.Write(asFloat);
        var row = new float[width];
        foreach (var r in s.Inputs)
        {
            if (r.Length != width)
                throw new InvalidOperationException($"k-NN: a row of width {r.Length}, expected {width}");
            if (!asFloat)
            {
                writer.Write(MemoryMarshal.AsBytes(r.AsSpan()));
                continue;
            }

            for (var j = 0; j < width; j++)
                row[j] = (float)r[j];
            writer.Write(MemoryMarshal.AsBytes(row.AsSpan()));
        }
    }

    public static State Read(Stream stream)
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("k-NN files are read on little-endian machines");
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        if (!reader.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic))
            throw new InvalidDataException("not a k-NN regressor file (no NONA-KNN header)");
        var version = reader.ReadInt32();
        if (version != Version)
            throw new InvalidDataException($"k-NN regressor file version {version}; this build reads version {Version}");
        var (n, width) = (reader.ReadInt32(), reader.ReadInt32());
        var (k, p, weights, cvMse) = (reader.ReadInt32(), reader.ReadInt32(), (KnnWeighting)reader.ReadInt32(), reader.ReadDouble());
        if (n < 1 || width < 0 || k < 1 || p < 1 || !Enum.IsDefined(weights))
            throw new InvalidDataException($"k-NN regressor file: bad header (rows {n}, width {width}, k {k}, p {p})");
        var mean = ReadDoubles(reader, width);
        var scale = ReadDoubles(reader, width);
        var labels = ReadDoubles(reader, n);
        var asFloat = reader.ReadBoolean();
        var inputs = new double[n][];
        var row = new float[width];
        for (var i = 0; i < n; i++)
        {
            if (!asFloat)
            {
                inputs[i] = ReadDoubles(reader, width);
                continue;
            }

            Fill(reader, MemoryMarshal.AsBytes(row.AsSpan()));
            inputs[i] = [.. row.Select(v => (double)v)];
        }

        return new State(inputs, labels, mean, scale, k, p, weights, cvMse);
    }

    private static double[] ReadDoubles(BinaryReader reader, int count)
    {
        var values = new double[count];
        Fill(reader, MemoryMarshal.AsBytes(values.AsSpan()));
        return values;
    }

    private static void Fill(BinaryReader reader, Span<byte> destination)
    {
        if (reader.Read(destination) is var read && read != destination.Length)
        {
            // BinaryReader.Read(Span) may return fewer bytes before the end of a stream; keep reading.
            while (read < destination.Length)
            {
                var more = reader.Read(destination[read..]);
                if (more == 0)
                    throw new InvalidDataException("k-NN regressor file ends early");
                read += more;
            }
        }
    }
}
