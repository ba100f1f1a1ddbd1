using TorchSharp;
using static TorchSharp.torch;

namespace Nona.Abstractions;

/// <summary>
/// Strict by-name copying of a state dict into a module: every parameter and buffer must be given (BatchNorm's
/// <c>num_batches_tracked</c> may be absent), no other key may be, and shapes must agree — so a checkpoint for another
/// architecture fails with the names, never half-loaded. The host's <see cref="IWeightStore.LoadInto"/> and the
/// plugins' importers (which run without a host) share it.
/// </summary>
public static class ModuleWeights
{
    /// <summary>What keeps <paramref name="weights"/> from fitting <paramref name="module"/>; empty when they fit.</summary>
    public static string Problems(nn.Module module, IReadOnlyDictionary<string, Tensor> weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        var targets = Targets(module);
        var missing = targets.Keys.Where(k => !weights.ContainsKey(k) && !k.EndsWith("num_batches_tracked", StringComparison.Ordinal)).ToList();
        var unexpected = weights.Keys.Where(k => !targets.ContainsKey(k)).ToList();
        var mismatched = weights.Where(w => targets.TryGetValue(w.Key, out var t) && !t.shape.SequenceEqual(w.Value.shape))
            .Select(w => $"{w.Key} {Shape(w.Value)} vs ours {Shape(targets[w.Key])}").ToList();
        var parts = new List<string>();
        if (missing.Count > 0)
            parts.Add($"missing {missing.Count}: {Few(missing)}");
        if (unexpected.Count > 0)
            parts.Add($"unexpected {unexpected.Count}: {Few(unexpected)}");
        if (mismatched.Count > 0)
            parts.Add($"shape mismatch {mismatched.Count}: {Few(mismatched)}");
        return string.Join("; ", parts);
    }

    /// <summary>
    /// Copies <paramref name="weights"/> into <paramref name="module"/> (converted to each target's dtype and device).
    /// Throws <see cref="ArgumentException"/> listing <see cref="Problems"/> when they do not fit; nothing is copied then.
    /// </summary>
    public static void CopyInto(nn.Module module, IReadOnlyDictionary<string, Tensor> weights)
    {
        var problems = Problems(module, weights);
        if (problems.Length > 0)
            throw new ArgumentException($"the weights do not fit {module.GetName()} ({problems})", nameof(weights));

        var targets = Targets(module);
        using var noGrad = no_grad();
        foreach (var (key, value) in weights)
        {
            using var converted = value.to(targets[key].dtype, targets[key].device); // held during copy_: no scope here
            targets[key].copy_(converted);
        }
    }

    private static Dictionary<string, Tensor> Targets(nn.Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        return module.named_parameters().Select(p => (p.name, Tensor: (Tensor)p.parameter))
            .Concat(module.named_buffers().Select(b => (b.name, Tensor: b.buffer)))
            .ToDictionary(t => t.name, t => t.Tensor);
    }

    private static string Shape(Tensor tensor) => $"[{string.Join(", ", tensor.shape)}]";

    private static string Few(List<string> keys) => string.Join(", ", keys.Take(6)) + (keys.Count > 6 ? ", …" : "");
}
