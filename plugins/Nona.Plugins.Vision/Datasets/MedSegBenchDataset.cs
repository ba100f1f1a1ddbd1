// MedSegBench (Kuş & Aydin, Scientific Data 2024; github.com/zekikus/MedSegBench, files on zenodo.org/records/13358372):
// one <name>_{128,256,512}.npz per dataset holding {train,val,test}_images and {train,val,test}_label, as its
// medsegbench/dataset.py reads them. The default file is BriFiSeg (brightfield nuclei, 1 channel, binary masks).
// A segmentation set becomes a regression set here: the label is the foreground's share of the image.
using System.ComponentModel;
using Nona.Abstractions;
using Nona.Plugins.Vision.Pipeline;
using TorchSharp;
using static TorchSharp.torch;

namespace Nona.Plugins.Vision.Datasets;

/// <summary>Which of the file's splits to load.</summary>
public enum MedSegBenchSplits
{
    /// <summary>train, val and test, in that order.</summary>
    All,

    /// <summary>train_images / train_label.</summary>
    Train,

    /// <summary>val_images / val_label.</summary>
    Val,

    /// <summary>test_images / test_label.</summary>
    Test,
}

/// <summary>Options of the <c>medsegbench</c> dataset.</summary>
public sealed class MedSegBenchOptions : ImageOptions
{
    /// <summary>The .npz file, relative to data.root.</summary>
    [Description("the MedSegBench .npz file, relative to data.root (brifiseg_128/256/512.npz)")]
    public string File { get; set; } = "brifiseg_256.npz";

    /// <summary>Which splits to load.</summary>
    [Description("all, train, val or test: which of the file's splits to load (all: train, val, test in order)")]
    public MedSegBenchSplits Splits { get; set; } = MedSegBenchSplits.All;
}

/// <summary>MedSegBench images labelled with the area fraction of their segmentation mask.</summary>
[NonaPlugin("medsegbench", PluginKind.Dataset, Description = "MedSegBench .npz (default BriFiSeg): image -> mask area as a fraction of the image")]
public sealed class MedSegBenchDatasetFactory : PluginFactory<MedSegBenchOptions, IDataset>
{
    /// <inheritdoc />
    protected override IDataset Create(MedSegBenchOptions options, PluginContext context)
    {
        var where = context.Where;
        options.Validate(where);
        if (string.IsNullOrWhiteSpace(options.File))
            throw new NonaException($"{where}.file is required: the .npz file, relative to data.root (e.g. brifiseg_256.npz)");
        var root = Path.GetFullPath(context.DataRoot);
        var file = Path.GetFullPath(options.File, root);
        if (!System.IO.File.Exists(file))
            throw new NonaException($"{where}: the MedSegBench file {file} was not found; download {Path.GetFileName(file)} from https://zenodo.org/records/13358372 " +
                "(BriFiSeg: brifiseg_128.npz, brifiseg_256.npz or brifiseg_512.npz), then pass --set data.root=DIR");
        return new MedSegBenchDataset(options, file, context.Seed);
    }
}

/// <summary>Reads the chosen splits' images and masks from the .npz.</summary>
public sealed class MedSegBenchDataset(MedSegBenchOptions options, string file, int seed) : IDataset
{
    /// <summary>One split's images: values as stored, their layout and NumPy type.</summary>
    private sealed record Part(float[] Values, long Count, long Height, long Width, long Channels, bool ChannelsFirst, string Descr);

    /// <inheritdoc />
    public DatasetData Load(CancellationToken cancellationToken)
    {
        string[] splits = options.Splits == MedSegBenchSplits.All ? ["train", "val", "test"] : [options.Splits.ToString().ToLowerInvariant()];
        using var archive = new NpzArchive(file);
        var parts = new List<Part>();
        var labels = new List<double>();
        foreach (var split in splits)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var part = ReadImages(archive.Read($"{split}_images"), $"{file}:{split}_images");
            labels.AddRange(AreaFractions(archive.Read($"{split}_label"), part, $"{file}:{split}_label"));
            parts.Add(part);
        }

        if (parts.Any(p => p.Height != parts[0].Height || p.Width != parts[0].Width || p.Channels != parts[0].Channels))
            throw new DataFormatException($"{file}: the splits' images differ in size or channels; load one split at a time (splits: train, val or test)");

        var notes = new List<string>();
        var (offset, factor) = Scale(parts, notes);
        // The source keeps its own handle on the pixels; the scope frees ours.
        using var scope = NewDisposeScope();
        var tensors = parts.Select(p => ToNchw(p, offset, factor)).ToList();
        var inputs = new TensorImageInputs(tensors.Count == 1 ? tensors[0] : cat(tensors, 0), options) { AugmentationSeed = seed };
        return new DatasetData
        {
            Name = Path.GetFileNameWithoutExtension(file),
            Inputs = inputs,
            Labels = [.. labels],
            Notes = notes,
        };
    }

    // Images are (N, H, W) for one channel; (N, H, W, C) and (N, C, H, W) with C = 1 or 3 are accepted too.
    private static Part ReadImages(NpyArray images, string source) => images.Shape switch
    {
        [var n, var h, var w] => new Part(images.Values, n, h, w, 1, false, images.Header.Descr),
        [var n, var h, var w, var c] when c is 1 or 3 => new Part(images.Values, n, h, w, c, false, images.Header.Descr),
        [var n, var c, var h, var w] when c is 1 or 3 => new Part(images.Values, n, h, w, c, true, images.Header.Descr),
        var shape => throw new DataFormatException($"{source}: images of shape ({string.Join(", ", shape)}); expected (N, H, W), (N, H, W, C) or (N, C, H, W) with C = 1 or 3"),
    };

    // Masks are binary (0/1, or 0/255 in some exports): any non-zero pixel is foreground.
    private static double[] AreaFractions(NpyArray masks, Part images, string source)
    {
        var shape = masks.Shape;
        var pixels = images.Height * images.Width;
        var matches = (shape.Length == 3 || (shape.Length == 4 && (shape[3] == 1 || shape[1] == 1)))
            && shape[0] == images.Count && masks.Header.Count == images.Count * pixels;
        if (!matches)
            throw new DataFormatException($"{source}: masks of shape ({string.Join(", ", shape)}) do not match {images.Count} images of {images.Height}x{images.Width}");
        var fractions = new double[images.Count];
        for (var i = 0; i < fractions.Length; i++)
        {
            long foreground = 0;
            foreach (var v in masks.Values.AsSpan((int)(i * pixels), (int)pixels))
            {
                if (v != 0)
                    foreground++;
            }

            fractions[i] = (double)foreground / pixels;
        }

        return fractions;
    }

    // uint8 images are divided by 255 and bools kept; other types are kept when they already lie in [0, 1] and
    // otherwise min-max scaled over every image loaded here (one affine map, so relative brightness is preserved).
    private static (float Offset, float Factor) Scale(List<Part> parts, List<string> notes)
    {
        var type = parts[0].Descr[1..];
        if (parts.All(p => p.Descr[1..] == "u1"))
            return (0f, 1f / 255f);
        if (parts.All(p => p.Descr[1..] == "b1"))
            return (0f, 1f);
        var min = float.PositiveInfinity;
        var max = float.NegativeInfinity;
        foreach (var part in parts)
        {
            foreach (var v in part.Values)
            {
                if (!float.IsFinite(v))
                    throw new DataFormatException($"the {type} images hold a non-finite value ({v}); fix the file");
                min = Math.Min(min, v);
                max = Math.Max(max, v);
            }
        }

        if (min >= 0 && max <= 1)
            return (0f, 1f);
        notes.Add($"medsegbench: {type} images span [{min}, {max}]; scaled to [0, 1] as (x - {min}) / {max - min}");
        return (min, max > min ? 1f / (max - min) : 0f);
    }

    private static Tensor ToNchw(Part part, float offset, float factor)
    {
        var values = part.Values;
        if (offset != 0f || factor != 1f)
        {
            for (var i = 0; i < values.Length; i++)
                values[i] = Math.Clamp((values[i] - offset) * factor, 0f, 1f);
        }

        return part.ChannelsFirst
            ? torch.tensor(values, new long[] { part.Count, part.Channels, part.Height, part.Width })
            : torch.tensor(values, new long[] { part.Count, part.Height, part.Width, part.Channels }).permute(0, 3, 1, 2).contiguous();
    }
}
