using System.ComponentModel;

namespace Nona.Plugins.Heads.SoftStep;

/// <summary>How SoftStep's (a0, b0, t) are produced.</summary>
public enum SoftStepParameterMode
{
    /// <summary>Three learnable scalars shared by every query.</summary>
    Global,

    /// <summary>Linear(d → 3) on each query embedding: each query has its own (a0, b0, t).</summary>
    Pointwise,
}

/// <summary>Which entries set the per-row min and max of the normalised similarity S̄.</summary>
public enum SoftStepNormalization
{
    /// <summary>The whole row, including the self-similarity in training (the paper and its code).</summary>
    IncludeSelf,

    /// <summary>The row without the diagonal in training, so training matches inference.</summary>
    ExcludeSelf,
}

/// <summary>Options shared by the SoftStep functions.</summary>
public sealed class SoftStepOptions
{
    /// <summary>Global or pointwise parameters.</summary>
    [Description("global: 3 learned scalars; pointwise: Linear(d → 3) per query (paper's ablation winner)")]
    public SoftStepParameterMode Params { get; set; } = SoftStepParameterMode.Pointwise;

    /// <summary>Row normalisation in training.</summary>
    [Description("include_self (paper) or exclude_self: whether the diagonal sets the row min/max in training")]
    public SoftStepNormalization Normalize { get; set; } = SoftStepNormalization.IncludeSelf;
}
