using System.Security.Cryptography;
using Nona.Abstractions;
using TorchSharp;
using static TorchSharp.torch;

namespace Nona.Plugins.Text.Backbones;

/// <summary>
/// Tokenised texts (the <c>tokens</c> modality a text backbone reads): each batch is padded to its own longest row,
/// with an attention mask — 1 on tokens, 0 on padding — so padding never dominates a batch of short texts.
/// </summary>
public sealed class TokenInputs : InputSource
{
    private readonly int[][] ids;
    private readonly int padId;

    /// <summary>Wraps one id sequence per sample ([CLS] … [SEP], already truncated).</summary>
    public TokenInputs(int[][] ids, int padId)
    {
        this.ids = ids;
        this.padId = padId;
    }

    /// <inheritdoc />
    public override int Count => ids.Length;

    /// <inheritdoc />
    public override string Modality => "tokens";

    /// <inheritdoc />
    public override long VectorDim => 0;

    /// <inheritdoc />
    public override IReadOnlyList<int> Lengths => [.. ids.Select(i => i.Length)];

    /// <inheritdoc />
    public override InputBatch Batch(long[] indices, ScalarType dtype, Device device)
    {
        var length = indices.Max(i => ids[i].Length);
        var values = new long[indices.Length * length];
        var mask = new long[indices.Length * length];
        for (var row = 0; row < indices.Length; row++)
        {
            var sequence = ids[indices[row]];
            for (var t = 0; t < length; t++)
            {
                values[(row * length) + t] = t < sequence.Length ? sequence[t] : padId;
                mask[(row * length) + t] = t < sequence.Length ? 1 : 0;
            }
        }

        // Ids stay integers whatever the model's floating type.
        using var idTensor = torch.tensor(values, [indices.Length, length]);
        using var maskTensor = torch.tensor(mask, [indices.Length, length]);
        return new InputBatch(idTensor.to(device, copy: true), maskTensor.to(device, copy: true));
    }

    /// <inheritdoc />
    public override string? Fingerprint()
    {
        var bytes = new byte[ids.Sum(i => (i.Length + 1) * sizeof(int))];
        var offset = 0;
        foreach (var sequence in ids)
        {
            BitConverter.TryWriteBytes(bytes.AsSpan(offset), sequence.Length);
            offset += sizeof(int);
            foreach (var id in sequence)
            {
                BitConverter.TryWriteBytes(bytes.AsSpan(offset), id);
                offset += sizeof(int);
            }
        }

        return Convert.ToHexStringLower(SHA256.HashData(bytes));
    }
}
