using System.Text.Json;
using Nona.Host.Protocol;
using TorchSharp;
using static TorchSharp.torch;

namespace Nona.Host.Output;

/// <summary>
/// Saves a trained model under <c>models/&lt;dataset&gt;/split-&lt;k&gt;/&lt;method&gt;/</c>: <c>weights.bin</c>
/// (TorchSharp state dict), for NONA <c>neighbours.bin</c> (train embeddings and scaled labels), and
/// <c>model.json</c> (label scaler, training outcome, the resolved recipe). Each file is written atomically.
/// </summary>
internal static class ModelStore
{
    /// <summary>Saves one model.</summary>
    public static void Save(string folder, RegressionModel model, NeighbourBank? bank, LabelScaler scaler, TrainingOutcome outcome, string method, string resolvedRecipe)
    {
        Directory.CreateDirectory(folder);
        AtomicFile.Write(Path.Combine(folder, "weights.bin"), temporary => model.save(temporary));
        if (bank is not null)
        {
            using var tensors = new TensorBundle(bank.Embeddings, bank.Labels);
            AtomicFile.Write(Path.Combine(folder, "neighbours.bin"), temporary => tensors.save(temporary));
        }

        var description = new
        {
            method,
            label_scaler = new { min = scaler.Min, max = scaler.Max },
            neighbours = bank is null ? null : new { count = bank.Labels.shape[0], embedding_dim = bank.Embeddings.shape[1] },
            training = new { epochs = outcome.Epochs, best_epoch = outcome.BestEpoch, best_val_mse_scaled = outcome.BestValMse },
            recipe = resolvedRecipe,
        };
        AtomicFile.WriteText(Path.Combine(folder, "model.json"), JsonSerializer.Serialize(description, RunInfo.JsonOptions));
    }

    /// <summary>A module whose state dict is just named tensors (TorchSharp saves modules, not loose tensors).</summary>
    private sealed class TensorBundle : nn.Module
    {
        public TensorBundle(Tensor embeddings, Tensor labels)
            : base("neighbours")
        {
            // Each detach() is held while cpu() reads it: this runs outside dispose scopes.
            using var detachedEmbeddings = embeddings.detach();
            using var detachedLabels = labels.detach();
            register_buffer("embeddings", detachedEmbeddings.cpu());
            register_buffer("labels", detachedLabels.cpu());
        }
    }
}
