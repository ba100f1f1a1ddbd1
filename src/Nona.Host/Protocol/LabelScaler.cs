namespace Nona.Host.Protocol;

/// <summary>Min–max scaling of labels to [0, 1] with the training split's min and max (never val/test).</summary>
internal sealed record LabelScaler(double Min, double Max)
{
    /// <summary>The scale: max − min, or 1 when every training label is equal (so scaling stays finite).</summary>
    public double Range => Max > Min ? Max - Min : 1.0;

    /// <summary>Fits on the labels at <paramref name="indices"/>.</summary>
    public static LabelScaler Fit(double[] labels, int[] indices) =>
        new(indices.Min(i => labels[i]), indices.Max(i => labels[i]));

    /// <summary>(y − min) / range.</summary>
    public double Scale(double y) => (y - Min) / Range;

    /// <summary>min + s · range.</summary>
    public double Unscale(double scaled) => Min + (scaled * Range);
}
