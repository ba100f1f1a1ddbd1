using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Nona.Abstractions;

namespace Nona.Plugins.Tabular;

/// <summary>The paper's Figure 3 targets (docs/nona-spec: "Synthetic 2-D targets").</summary>
public enum SyntheticTarget
{
    /// <summary>y = x₂/2 + 1/2.</summary>
    Linear,

    /// <summary>y = min(1−|x₁|, 1−|x₂|) (the paper's "radial").</summary>
    Pyramid,

    /// <summary>y = ((θ + 5r) mod 2π) / 2π.</summary>
    Spiral,

    /// <summary>y = sin(6x₁)·cos(6x₂).</summary>
    Checkerboard,
}

/// <summary>Options of the <c>synthetic</c> dataset.</summary>
public sealed class SyntheticOptions
{
    /// <summary>Which target function.</summary>
    [Description("linear, pyramid, spiral or checkerboard")]
    public SyntheticTarget Target { get; set; } = SyntheticTarget.Spiral;

    /// <summary>Number of points.</summary>
    [Description("number of points drawn uniformly from [-1, 1]²")]
    [Range(10, 10_000_000)]
    public int N { get; set; } = 1000;

    /// <summary>Standard deviation of the Gaussian label noise.</summary>
    [Description("standard deviation of the Gaussian label noise")]
    [Range(0.0, 10.0)]
    public double Noise { get; set; } = 0.1;

    /// <summary>Seed of the generator.</summary>
    [Description("seed of the point and noise generator")]
    public int Seed { get; set; } = 100;
}

/// <summary>Points uniform in [−1, 1]² with a target function plus Gaussian noise.</summary>
[NonaPlugin("synthetic", PluginKind.Dataset, Description = "2-D targets of the paper's Figure 3 (no download)")]
public sealed class SyntheticDatasetFactory : PluginFactory<SyntheticOptions, IDataset>
{
    /// <inheritdoc />
    protected override IDataset Create(SyntheticOptions options, PluginContext context) => new SyntheticDataset(options);
}

/// <summary>Generates the points; the same options always give the same data.</summary>
public sealed class SyntheticDataset(SyntheticOptions options) : IDataset
{
    /// <inheritdoc />
    public DatasetData Load(CancellationToken cancellationToken)
    {
        var random = new Random(options.Seed);
        var x = new double[options.N][];
        var y = new double[options.N];
        for (var i = 0; i < options.N; i++)
        {
            x[i] = [(random.NextDouble() * 2) - 1, (random.NextDouble() * 2) - 1];
            y[i] = Target(options.Target, x[i][0], x[i][1], options.Noise * StandardNormal(random));
        }

        return new DatasetData
        {
            Name = options.Target.ToString().ToLowerInvariant(),
            Inputs = new VectorInputs(x),
            Labels = y,
        };
    }

    /// <summary>The target value at (x1, x2) with additive noise <paramref name="noise"/>.</summary>
    public static double Target(SyntheticTarget target, double x1, double x2, double noise) => target switch
    {
        SyntheticTarget.Linear => (x2 / 2) + 0.5 + noise,
        SyntheticTarget.Pyramid => Math.Min(1 - Math.Abs(x1), 1 - Math.Abs(x2)) + noise,
        SyntheticTarget.Spiral => (PositiveModulo(Math.Atan2(x2, x1) + (5 * Math.Sqrt((x1 * x1) + (x2 * x2))), 2 * Math.PI) + noise) / (2 * Math.PI),
        SyntheticTarget.Checkerboard => (Math.Sin(6 * x1) * Math.Cos(6 * x2)) + noise,
        _ => throw new ArgumentOutOfRangeException(nameof(target)),
    };

    // Python's % (the spec's "mod") is non-negative for a positive divisor; C#'s % keeps the dividend's sign.
    private static double PositiveModulo(double value, double divisor) => value - (divisor * Math.Floor(value / divisor));

    // Box–Muller: System.Random has no normal generator, and this one is reproducible across platforms.
    private static double StandardNormal(Random random)
    {
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
