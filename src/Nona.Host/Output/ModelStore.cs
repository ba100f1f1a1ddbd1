using System.Text.Json;
using Nona.Host.Protocol;
using TorchSharp;
using static TorchSharp.torch;

namespace Nona.Host.Output;

/// <summary>What a saved model records besides its tensors, so <see cref="Models.SavedModel"/> can rebuild it.</summary>
/// <param name="Dataset">The dataset's name.</param>
/// <param name="Split">The split index.</param>
/// <param name="Method">The head's label in the recipe.</param>
/// <param name="InputDim">The width the backbone (or, for a frozen one, the projector) was built for.</param>
/// <param name="FrozenBackbone">True when the backbone was frozen: its pretrained weights are not copied (the recipe names them); the model's projector and head read its features.</param>
/// <param name="BankRows">The dataset rows of NONA's neighbour bank, in bank order (null without a bank).</param>
/// <param name="TestRows">The dataset rows of the split's test part (null in models saved before they were recorded).</param>
/// <param name="DatasetFingerprint">The dataset inputs' fingerprint (<see cref="Nona.Abstractions.InputSource.Fingerprint"/>) when the run saved the model, so an explanation can tell whether the rows it shows are still the ones trained on; null when the source cannot say.</param>
internal sealed record SavedModelInfo(string Dataset, int Split, string Method, long InputDim, bool FrozenBackbone, int[]? BankRows, int[]? TestRows = null, string? DatasetFingerprint = null);

/// <summary>
/// Saves a trained model under <c>models/&lt;dataset&gt;/split-&lt;k&gt;/&lt;method&gt;/</c>: <c>weights.bin</c>
/// (TorchSharp state dict; a frozen backbone's pretrained weights are not in it), for NONA <c>neighbours.bin</c>
/// (bank embeddings and scaled labels), <c>recipe.yaml</c> (the resolved recipe) and <c>model.json</c> (label
/// scaler, training outcome, what <see cref="Models.SavedModel"/> needs to rebuild it). Each file is written atomically.
/// </summary>
internal static class ModelStore
{
    /// <summary>The resolved recipe's file name in a model folder.</summary>
    public const string RecipeFile = "recipe.yaml";

    /// <summary>Saves one model.</summary>
    public static void Save(string folder, RegressionModel model, NeighbourBank? bank, LabelScaler scaler, TrainingOutcome outcome, SavedModelInfo info, string resolvedRecipe, string dtype, string dataRoot)
    {
        Directory.CreateDirectory(folder);
        AtomicFile.Write(Path.Combine(folder, "weights.bin"), temporary => model.save(temporary));
        if (bank is not null)
        {
            using var tensors = new TensorBundle(bank.Embeddings, bank.Labels);
            AtomicFile.Write(Path.Combine(folder, "neighbours.bin"), temporary => tensors.save(temporary));
        }

        AtomicFile.WriteText(Path.Combine(folder, RecipeFile), resolvedRecipe);
        var description = new
        {
            format = 1,
            method = info.Method,
            dataset = info.Dataset,
            split = info.Split,
            input_dim = info.InputDim,
            frozen_backbone = info.FrozenBackbone,
            dtype,
            data_root = dataRoot,
            bank_rows = info.BankRows,
            test_rows = info.TestRows,
            dataset_fingerprint = info.DatasetFingerprint,
            label_scaler = new { min = scaler.Min, max = scaler.Max },
            neighbours = bank is null ? null : new { count = bank.Labels.shape[0], embedding_dim = bank.Embeddings.shape[1] },
            training = new { epochs = outcome.Epochs, best_epoch = outcome.BestEpoch, best_val_mse_scaled = outcome.BestValMse },
            recipe = resolvedRecipe,
        };
        AtomicFile.WriteText(Path.Combine(folder, "model.json"), JsonSerializer.Serialize(description, RunInfo.JsonOptions));
    }

    /// <summary>A module whose state dict is just named tensors (TorchSharp saves modules, not loose tensors).</summary>
    internal sealed class TensorBundle : nn.Module
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
