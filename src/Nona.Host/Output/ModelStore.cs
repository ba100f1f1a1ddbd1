using System.Text.Json;
using System.Text.Json.Serialization;
using Nona.Abstractions;
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
/// <param name="TwoStageRows">The dataset rows the two-stage regressor was fitted on, in fitting order (the split's training rows; null without one, or in models saved before they were recorded), so a k-NN can name the rows it averaged.</param>
internal sealed record SavedModelInfo(string Dataset, int Split, string Method, long InputDim, bool FrozenBackbone, int[]? BankRows, int[]? TestRows = null, string? DatasetFingerprint = null, int[]? TwoStageRows = null);

/// <summary>The two-stage regressor fitted on a head's train embeddings (the <c>&lt;method&gt;+knn</c> row), saved with the head.</summary>
/// <param name="Method">Its row's method (<c>nona+knn</c>).</param>
/// <param name="Plugin">The regressor plugin's name (the recipe's <c>evaluation.knn</c>).</param>
/// <param name="Options">The options it was created with (its factory's options type).</param>
/// <param name="Regressor">The fitted regressor.</param>
internal sealed record TwoStageRegressor(string Method, string Plugin, object Options, IRegressor Regressor);

/// <summary>
/// Saves a trained model under <c>models/&lt;dataset&gt;/split-&lt;k&gt;/&lt;method&gt;/</c>: <c>weights.bin</c>
/// (TorchSharp state dict; a frozen backbone's pretrained weights are not in it), for NONA <c>neighbours.bin</c>
/// (bank embeddings and scaled labels), with two-stage evaluation <c>two-stage.bin</c> (the fitted regressor,
/// <see cref="IRegressor.Save"/>), <c>recipe.yaml</c> (the resolved recipe) and <c>model.json</c> (label
/// scaler, training outcome, what <see cref="Models.SavedModel"/> needs to rebuild it). Each file is written atomically.
/// </summary>
internal static class ModelStore
{
    /// <summary>The resolved recipe's file name in a model folder.</summary>
    public const string RecipeFile = "recipe.yaml";

    /// <summary>The two-stage regressor's file name in a model folder.</summary>
    public const string TwoStageFile = "two-stage.bin";

    /// <summary>
    /// How a regressor's options are written to and read from model.json: the recipe's key names, enums by name,
    /// so the file reads like the recipe and the options rebind to the plugin's options type.
    /// </summary>
    public static readonly JsonSerializerOptions RegressorOptionsJson = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>Saves one model.</summary>
    public static void Save(string folder, RegressionModel model, NeighbourBank? bank, LabelScaler scaler, TrainingOutcome outcome, SavedModelInfo info, string resolvedRecipe, string dtype, string dataRoot, TwoStageRegressor? twoStage = null)
    {
        Directory.CreateDirectory(folder);
        AtomicFile.Write(Path.Combine(folder, "weights.bin"), temporary => model.save(temporary));
        if (bank is not null)
        {
            using var tensors = new TensorBundle(bank.Embeddings, bank.Labels);
            AtomicFile.Write(Path.Combine(folder, "neighbours.bin"), temporary => tensors.save(temporary));
        }

        if (twoStage is not null)
        {
            AtomicFile.Write(Path.Combine(folder, TwoStageFile), temporary =>
            {
                using var stream = File.Create(temporary);
                twoStage.Regressor.Save(stream);
            });
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
            two_stage_rows = info.TwoStageRows,
            dataset_fingerprint = info.DatasetFingerprint,
            label_scaler = new { min = scaler.Min, max = scaler.Max },
            neighbours = bank is null ? null : new { count = bank.Labels.shape[0], embedding_dim = bank.Embeddings.shape[1] },
            two_stage = twoStage is null ? null : new
            {
                method = twoStage.Method,
                plugin = twoStage.Plugin,
                // The options it was made with, so the plugin catalog can rebuild the regressor before Load reads its state.
                options = JsonSerializer.SerializeToElement(twoStage.Options, twoStage.Options.GetType(), RegressorOptionsJson),
                file = TwoStageFile,
                fitted = twoStage.Regressor.Describe(),
            },
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
