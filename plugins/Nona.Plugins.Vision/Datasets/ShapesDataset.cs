using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Nona.Abstractions;
using Nona.Plugins.Vision.Pipeline;
using TorchSharp;
using static TorchSharp.torch;

namespace Nona.Plugins.Vision.Datasets;

/// <summary>Options of the <c>shapes</c> dataset.</summary>
public sealed class ShapesOptions
{
    /// <summary>Number of images.</summary>
    [Description("number of images")]
    [Range(10, 1_000_000)]
    public int N { get; set; } = 1200;

    /// <summary>Side of the drawn images, in pixels.</summary>
    [Description("side of the drawn square images, in pixels (resized to image_size for the backbone)")]
    [Range(16, 512)]
    public int Size { get; set; } = 64;

    /// <summary>Seed of the generator.</summary>
    [Description("seed of the generator: the same seed draws the same images")]
    public int Seed { get; set; } = 7;

    /// <summary>Standard deviation of the per-pixel Gaussian noise.</summary>
    [Description("standard deviation of the Gaussian pixel noise (pixels are in [0, 1])")]
    [Range(0.0, 1.0)]
    public double Noise { get; set; } = 0.1;

    /// <summary>Side of the square fed to the backbone.</summary>
    [Description("side of the square fed to the backbone, in pixels")]
    [Range(16, 4096)]
    public int ImageSize { get; set; } = 224;
}

/// <summary>
/// A built-in image regression task that needs no download, in the spirit of MedSegBench's mask-area targets:
/// bright filled ellipses on a dark noisy background with thin distractor lines; the label is the fraction of the
/// image the ellipses cover. Deterministic for a seed.
/// </summary>
[NonaPlugin("shapes", PluginKind.Dataset, Description = "procedural images (no download): predict the area covered by bright blobs")]
public sealed class ShapesDatasetFactory : PluginFactory<ShapesOptions, IDataset>
{
    /// <inheritdoc />
    protected override IDataset Create(ShapesOptions options, PluginContext context) => new ShapesDataset(options);
}

/// <summary>Draws the images into float arrays; the same options always give the same data.</summary>
public sealed class ShapesDataset(ShapesOptions options) : IDataset
{
    /// <inheritdoc />
    public DatasetData Load(CancellationToken cancellationToken)
    {
        var (n, size) = (options.N, options.Size);
        var plane = size * size;
        var pixels = new float[n * 3 * plane];
        var labels = new double[n];
        var random = new Random(options.Seed);
        for (var i = 0; i < n; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            labels[i] = Draw(pixels.AsSpan(i * 3 * plane, 3 * plane), size, options.Noise, random);
        }

        using var images = torch.tensor(pixels, [n, 3, size, size], ScalarType.Float32);
        return new DatasetData
        {
            Name = "shapes",
            Inputs = new TensorImageInputs(images, new ImageOptions { ImageSize = options.ImageSize }) { AugmentationSeed = options.Seed },
            Labels = labels,
        };
    }

    /// <summary>Draws one (3, size, size) image into <paramref name="image"/>; returns the area fraction of its blobs.</summary>
    private static double Draw(Span<float> image, int size, double noise, Random random)
    {
        var plane = size * size;
        var mask = new bool[plane];

        // A dark background whose level varies between images, so brightness alone does not give the area away.
        var background = 0.15 * random.NextDouble();
        image.Fill((float)background);

        // 1–4 filled ellipses, centers inside the image, semi-axes 6–20% of the side, random tilt and tint.
        var blobs = random.Next(1, 5);
        for (var b = 0; b < blobs; b++)
        {
            var (cx, cy) = (size * (0.15 + (0.7 * random.NextDouble())), size * (0.15 + (0.7 * random.NextDouble())));
            var (a, c) = (size * (0.06 + (0.14 * random.NextDouble())), size * (0.06 + (0.14 * random.NextDouble())));
            var angle = Math.PI * random.NextDouble();
            var (cos, sin) = (Math.Cos(angle), Math.Sin(angle));
            Span<float> color = [(float)(0.6 + (0.4 * random.NextDouble())), (float)(0.6 + (0.4 * random.NextDouble())), (float)(0.6 + (0.4 * random.NextDouble()))];
            for (var y = 0; y < size; y++)
            {
                for (var x = 0; x < size; x++)
                {
                    var (dx, dy) = (x + 0.5 - cx, y + 0.5 - cy);
                    var (u, v) = (((dx * cos) + (dy * sin)) / a, ((dy * cos) - (dx * sin)) / c);
                    if ((u * u) + (v * v) > 1)
                        continue;
                    mask[(y * size) + x] = true;
                    for (var ch = 0; ch < 3; ch++)
                        image[(ch * plane) + (y * size) + x] = color[ch];
                }
            }
        }

        // 1–3 thin gray lines across the image: distractors that add brightness but no area.
        var lines = random.Next(1, 4);
        for (var l = 0; l < lines; l++)
        {
            var (x0, y0, x1, y1) = (random.NextDouble() * size, random.NextDouble() * size, random.NextDouble() * size, random.NextDouble() * size);
            var gray = (float)(0.3 + (0.3 * random.NextDouble()));
            var steps = (int)Math.Ceiling(Math.Max(Math.Abs(x1 - x0), Math.Abs(y1 - y0))) + 1;
            for (var s = 0; s <= steps; s++)
            {
                var t = (double)s / steps;
                var (x, y) = ((int)(x0 + (t * (x1 - x0))), (int)(y0 + (t * (y1 - y0))));
                if (x < 0 || x >= size || y < 0 || y >= size || mask[(y * size) + x])
                    continue;
                for (var ch = 0; ch < 3; ch++)
                    image[(ch * plane) + (y * size) + x] = gray;
            }
        }

        for (var p = 0; p < image.Length; p++)
            image[p] = (float)Math.Clamp(image[p] + (noise * StandardNormal(random)), 0, 1);

        return (double)mask.Count(inside => inside) / plane;
    }

    // Box–Muller: System.Random has no normal generator, and this one is reproducible across platforms.
    private static double StandardNormal(Random random)
    {
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
