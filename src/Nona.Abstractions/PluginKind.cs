namespace Nona.Abstractions;

/// <summary>What a plugin makes. The kind fixes the type its factory must return.</summary>
public enum PluginKind
{
    /// <summary>Makes an <see cref="IDataset"/>.</summary>
    Dataset,

    /// <summary>Makes a <see cref="FeatureExtractor"/> (the backbone).</summary>
    Backbone,

    /// <summary>Makes a <see cref="Projector"/> (the MLP between backbone and head).</summary>
    Projector,

    /// <summary>Makes a trainable <see cref="RegressionHead"/>.</summary>
    Head,

    /// <summary>Makes a <see cref="SoftStepMask"/> (NONA's learned attention mask).</summary>
    SoftStep,

    /// <summary>Makes an <see cref="IRegressor"/>: a non-differentiable model fitted on vectors (k-NN two-stage, baselines).</summary>
    Regressor,
}
