using Nona.Abstractions;
using Nona.Host.Recipes;

namespace Nona.Host.Predict;

/// <summary>
/// The label's original units: a dataset's <c>label_transform</c> (log, log1p) is applied as labels are read, so
/// the model predicts transformed values; predictions are shown after the inverse (exp, expm1).
/// </summary>
internal sealed record LabelUnits(LabelTransform Transform)
{
    /// <summary>The transform of the dataset entry <paramref name="spec"/> (none when its plugin has no such option).</summary>
    public static LabelUnits Of(PluginSpec spec) =>
        new(spec.Options.GetType().GetProperty("LabelTransform")?.GetValue(spec.Options) is LabelTransform transform ? transform : LabelTransform.None);

    /// <summary>A value in the model's label units, back in the dataset's original units.</summary>
    public double Original(double value) => Transform switch
    {
        LabelTransform.Log => Math.Exp(value),
        LabelTransform.Log1p => Expm1(value),
        _ => value,
    };

    // exp(x) − 1 loses a tiny x's digits to the rounding of exp(x); scaling by x / ln(u) cancels it (Kahan's trick,
    // the inverse of the table reader's log1p).
    private static double Expm1(double x)
    {
        var u = Math.Exp(x);
        if (u == 1.0)
            return x;
        var um1 = u - 1.0;
        return um1 == -1.0 ? -1.0 : um1 * x / Math.Log(u);
    }

    /// <summary>How the page and the CSV name the units.</summary>
    public string Describe() => Transform switch
    {
        LabelTransform.Log => "original units (exp of the model's log-label)",
        LabelTransform.Log1p => "original units (expm1 of the model's log1p-label)",
        _ => "the label's units",
    };
}
