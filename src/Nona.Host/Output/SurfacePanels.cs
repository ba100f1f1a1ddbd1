using Nona.Abstractions;

namespace Nona.Host.Output;

/// <summary>
/// Figure-3-style material for one 2-D dataset: its points, and each method's predictions over a grid on
/// [−1, 1]² (split 0's models, scaled label units).
/// </summary>
internal sealed class SurfacePanels
{
    /// <summary>Grid points per axis.</summary>
    public const int Resolution = 60;

    private readonly List<(string Method, double[,] Values)> surfaces = [];

    /// <summary>Prepares the grid for <paramref name="data"/> (2-D vector inputs).</summary>
    public SurfacePanels(string dataset, DatasetData data)
    {
        Dataset = dataset;
        Points = data.Inputs.AsVectors() ?? throw new ArgumentException("surfaces need vector inputs", nameof(data));
        var (min, max) = (data.Labels.Min(), data.Labels.Max());
        Colors = [.. data.Labels.Select(y => max > min ? (y - min) / (max - min) : 0.5)];
        Grid = NewGrid();
    }

    /// <summary>The grid points, row-major from the top-left corner (the same for every dataset).</summary>
    public static VectorInputs NewGrid()
    {
        var rows = new List<double[]>(Resolution * Resolution);
        for (var r = 0; r < Resolution; r++)
        {
            for (var c = 0; c < Resolution; c++)
                rows.Add([Coordinate(c), -Coordinate(r)]); // row 0 is the top of the image: y = +1
        }

        return new VectorInputs([.. rows]);
    }

    /// <summary>The dataset's name.</summary>
    public string Dataset { get; }

    /// <summary>Every data point (x₁, x₂).</summary>
    public double[][] Points { get; }

    /// <summary>Each point's label min–max scaled over the whole dataset, for colouring.</summary>
    public double[] Colors { get; }

    /// <summary>The grid, row-major from the top-left corner.</summary>
    public VectorInputs Grid { get; }

    /// <summary>Methods' surfaces in the order they were added.</summary>
    public IReadOnlyList<(string Method, double[,] Values)> Surfaces => surfaces;

    /// <summary>Evaluates <paramref name="predict"/> on the grid and keeps the surface.</summary>
    public void Add(string method, Func<InputSource, double[]> predict) => AddValues(method, predict(Grid));

    /// <summary>Keeps a surface given as predictions over <see cref="Grid"/>, row-major.</summary>
    public void AddValues(string method, double[] flat)
    {
        var values = new double[Resolution, Resolution];
        for (var r = 0; r < Resolution; r++)
        {
            for (var c = 0; c < Resolution; c++)
                values[r, c] = flat[(r * Resolution) + c];
        }

        surfaces.Add((method, values));
    }

    private static double Coordinate(int index) => -1 + ((2.0 * index + 1) / Resolution);
}
