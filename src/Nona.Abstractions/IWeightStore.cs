using TorchSharp;
using static TorchSharp.torch;

namespace Nona.Abstractions;

/// <summary>Where pretrained weights come from: a local file, or a URL with its SHA-256 (full, or a prefix as in torchvision file names).</summary>
/// <param name="Location">A file path (relative to the recipe's folder) or an http(s) URL.</param>
/// <param name="Sha256">Expected SHA-256 in hex: 64 digits, or a prefix of at least 8 (torch.hub's check); null for a local file.</param>
/// <param name="TrustOnFirstUse">
/// For a URL without a citable hash (e.g. a Hugging Face file): record the first download's SHA-256 in the cache,
/// tell the user, and verify every later load against it.
/// </param>
public sealed record WeightSource(string Location, string? Sha256 = null, bool TrustOnFirstUse = false);

/// <summary>
/// Finds, downloads, verifies and reads pretrained weights for backbones (the host implements it). Downloads go to a
/// cache folder, are verified before use and written atomically; a checksum mismatch caches nothing.
/// </summary>
public interface IWeightStore
{
    /// <summary>
    /// A local file for <paramref name="source"/>: the file itself, or the cached download of the URL. Throws
    /// <see cref="NonaException"/> with one line naming the file or URL and the fix (missing file, checksum mismatch,
    /// no network).
    /// </summary>
    string Resolve(WeightSource source);

    /// <summary>
    /// Reads a state dict from a PyTorch <c>.pth</c>/<c>.pt</c>/<c>.bin</c> file or a <c>.safetensors</c> file,
    /// keyed as in the file. The caller disposes the tensors.
    /// </summary>
    IReadOnlyDictionary<string, Tensor> Read(string path);

    /// <summary>
    /// Reads a checkpoint once, for callers that need more than its tensors: the state dict (as <see cref="Read"/>)
    /// and the non-tensor entries of a PyTorch checkpoint (integers as <see cref="long"/>, floats as
    /// <see cref="double"/>, strings, booleans), nested dictionaries included, keyed by their dotted path: OpenAI
    /// Whisper's <c>{"dims": {"n_audio_head": 6, ...}, "model_state_dict": {...}}</c> gives <c>dims.n_audio_head</c>
    /// → 6. Hyper-parameters that tensor shapes do not determine live there; a <c>.safetensors</c> file has none.
    /// Throws <see cref="NonaException"/> as <see cref="Read"/> does. The caller disposes the tensors.
    /// </summary>
    WeightCheckpoint ReadCheckpoint(string path);

    /// <summary>
    /// Copies <paramref name="weights"/> into <paramref name="module"/>'s parameters and buffers by name. Keys in
    /// <paramref name="ignored"/> (exact, or a prefix ending in '.') are dropped first. Missing keys, unexpected keys
    /// and shape mismatches are all listed by name in one <see cref="NonaException"/> that names
    /// <paramref name="source"/>.
    /// </summary>
    void LoadInto(nn.Module module, IReadOnlyDictionary<string, Tensor> weights, string source, IReadOnlyCollection<string>? ignored = null);
}

/// <summary>A checkpoint as <see cref="IWeightStore.ReadCheckpoint"/> read it.</summary>
/// <param name="Tensors">The state dict, keyed as in the file.</param>
/// <param name="Metadata">The non-tensor entries by dotted key (e.g. <c>dims.n_audio_head</c>); empty for safetensors.</param>
public sealed record WeightCheckpoint(IReadOnlyDictionary<string, Tensor> Tensors, IReadOnlyDictionary<string, object> Metadata);
