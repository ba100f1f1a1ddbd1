using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Runtime.Serialization;
using Nona.Abstractions;

namespace Nona.Host.Recipes;

/// <summary>Floating type of the model.</summary>
public enum FloatType
{
    /// <summary>Single precision (default).</summary>
    Float32,

    /// <summary>Double precision.</summary>
    Float64,
}

/// <summary>The optimiser.</summary>
public enum OptimizerKind
{
    /// <summary>Adam (the paper).</summary>
    Adam,

    /// <summary>Adam with decoupled weight decay.</summary>
    [EnumMember(Value = "adamw")]
    AdamW,
}

/// <summary>Which labelled points NONA's validation/test predictions attend to.</summary>
public enum NeighbourSet
{
    /// <summary>The training split only (default).</summary>
    Train,

    /// <summary>Training and validation splits.</summary>
    [EnumMember(Value = "train+val")]
    TrainVal,
}

/// <summary>Baselines fitted on the raw inputs (vector datasets only).</summary>
public enum Baseline
{
    /// <summary>Least squares on the raw inputs (method <c>linear</c>).</summary>
    Linear,

    /// <summary>The tuned k-NN on the raw inputs (method <c>knn-raw</c>).</summary>
    [EnumMember(Value = "knn-raw")]
    KnnRaw,

    /// <summary>Predicting the training split's mean label (method <c>mean</c>); any dataset.</summary>
    Mean,
}

/// <summary>Whether runs keep each model's final embeddings (for the report's embedding maps).</summary>
public enum EmbeddingOutput
{
    /// <summary>Keep nothing.</summary>
    None,

    /// <summary>Write embeddings/&lt;dataset&gt;/split-&lt;k&gt;/&lt;method&gt;.csv for every trained head and split.</summary>
    Save,

    /// <summary>The same for split 0 only: enough for the report's maps at a fraction of the disk.</summary>
    FirstSplit,
}

/// <summary>The recipe's <c>data:</c> section.</summary>
public sealed class DataOptions
{
    /// <summary>The folder dataset paths resolve against; relative to the recipe's folder.</summary>
    [Description("folder every dataset path resolves against (default: the recipe's folder)")]
    public string Root { get; set; } = "";

    /// <summary>The cache folder (downloaded weights, frozen-backbone features).</summary>
    [Description("cache for downloaded weights and frozen-backbone features (default: $NONA_CACHE, else ~/.cache/nona)")]
    public string Cache { get; set; } = "";
}

/// <summary>The recipe's <c>training:</c> section.</summary>
public sealed class TrainingOptions
{
    /// <summary>Optimiser.</summary>
    [Description("adam (paper) or adamw")]
    public OptimizerKind Optimizer { get; set; } = OptimizerKind.Adam;

    /// <summary>Learning rate.</summary>
    [Description("learning rate")]
    [Range(1e-9, 10.0)]
    public double Lr { get; set; } = 1e-3;

    /// <summary>The backbone's learning rate; 0 uses <see cref="Lr"/>.</summary>
    [Description("learning rate of the backbone's parameters (0: the same as lr); pretrained encoders usually want ~1e-5")]
    [Range(0.0, 10.0)]
    public double BackboneLr { get; set; }

    /// <summary>Linear learning-rate warm-up.</summary>
    [Description("optimiser steps over which every learning rate rises linearly from 0 (0: no warm-up)")]
    [Range(0, 100_000_000)]
    public int WarmupSteps { get; set; }

    /// <summary>Weight decay (AdamW's decoupled decay, Adam's L2 term).</summary>
    [Description("weight decay")]
    [Range(0.0, 1.0)]
    public double WeightDecay { get; set; }

    /// <summary>Batch size.</summary>
    [Description("batch size; a last batch of fewer than 3 points joins the previous one")]
    [Range(3, 1_000_000)]
    public int BatchSize { get; set; } = 32;

    /// <summary>Most epochs.</summary>
    [Description("most epochs")]
    [Range(1, 1_000_000)]
    public int MaxEpochs { get; set; } = 300;

    /// <summary>Early-stopping patience.</summary>
    [Description("epochs without a better validation MSE before stopping")]
    [Range(1, 1_000_000)]
    public int Patience { get; set; } = 10;

    /// <summary>Epochs before early stopping may count.</summary>
    [Description("warm-up epochs before patience starts counting")]
    [Range(0, 1_000_000)]
    public int MinEpochs { get; set; }

    /// <summary>Floating type.</summary>
    [Description("float32 or float64")]
    public FloatType Dtype { get; set; } = FloatType.Float32;

    /// <summary>Device.</summary>
    [Description("auto (CUDA when available), cpu, cuda or cuda:N")]
    public string Device { get; set; } = "auto";

    /// <summary>CPU threads for libtorch; 0 keeps libtorch's default.</summary>
    [Description("CPU threads for libtorch (0: libtorch's default)")]
    [Range(0, 1024)]
    public int Threads { get; set; }

    /// <summary>Decode the next batch of file-backed inputs while the model computes on this one.</summary>
    [Description("decode the next batch of file-backed inputs (images, audio) in the background while the model computes (same results either way)")]
    public bool Prefetch { get; set; } = true;

    /// <summary>Minutes between checkpoints inside an epoch (one is always written at the end of each epoch).</summary>
    [Description("minutes between checkpoints inside a long epoch (one is always written at each epoch's end; 0: only there)")]
    [Range(0.0, 10000.0)]
    public double CheckpointMinutes { get; set; } = 10;
}

/// <summary>The recipe's <c>evaluation:</c> section.</summary>
public sealed class EvaluationOptions
{
    /// <summary>Number of seeded splits.</summary>
    [Description("number of seeded development/test splits (paper: 10)")]
    [Range(1, 1000)]
    public int Splits { get; set; } = 10;

    /// <summary>Test share of the data.</summary>
    [Description("share of the data held out for test")]
    [Range(0.01, 0.9)]
    public double TestFraction { get; set; } = 0.2;

    /// <summary>Validation share of the development data.</summary>
    [Description("share of the development data used for validation")]
    [Range(0.01, 0.9)]
    public double ValFraction { get; set; } = 0.15;

    /// <summary>Stratify splits on binned labels.</summary>
    [Description("stratify splits on binned labels")]
    public bool Stratify { get; set; }

    /// <summary>Label bins for stratification.</summary>
    [Description("number of quantile bins for stratification")]
    [Range(2, 1000)]
    public int StratifyBins { get; set; } = 10;

    /// <summary>NONA's neighbours at evaluation.</summary>
    [Description("NONA's neighbours at validation/test: train or train+val")]
    public NeighbourSet Neighbours { get; set; } = NeighbourSet.Train;

    /// <summary>Add the two-stage rows (a regressor on each trained model's embeddings).</summary>
    [Description("also fit the k-NN on each trained model's embeddings (rows <head>+knn)")]
    public bool TwoStage { get; set; } = true;

    /// <summary>The regressor of the two-stage rows and the knn-raw baseline.</summary>
    [Description("the regressor of two-stage rows and of knn-raw, with its options")]
    [PluginKind(PluginKind.Regressor)]
    public PluginReference Knn { get; set; } = new("knn");

    /// <summary>Baselines on raw inputs.</summary>
    [Description("baselines: mean (the training mean, any dataset); linear, knn-raw (raw vector inputs only)")]
    public IList<Baseline> Baselines { get; set; } = [];

    /// <summary>Draw regression surfaces for 2-D datasets.</summary>
    [Description("draw surfaces.png for 2-D vector datasets (split 0)")]
    public bool Surfaces { get; set; } = true;

    /// <summary>Keep final embeddings for the report's maps (Figure 4).</summary>
    [Description("none, save (every split) or first_split: keep each head's final embeddings for the report's maps")]
    public EmbeddingOutput Embeddings { get; set; } = EmbeddingOutput.None;

    /// <summary>Save every trained model.</summary>
    [Description("save each trained model under models/<dataset>/split-<k>/")]
    public bool SaveModels { get; set; } = true;
}
