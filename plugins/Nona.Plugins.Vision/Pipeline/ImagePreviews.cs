using Nona.Abstractions;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using static Nona.Abstractions.Torch.HeldScalars;
using static TorchSharp.torch;

namespace Nona.Plugins.Vision.Pipeline;

/// <summary>
/// Thumbnails for <c>nona explain</c>: a sample as the backbone sees it at evaluation (after resize and crop), at
/// most <see cref="Side"/> pixels wide, as PNG.
/// </summary>
internal static class ImagePreviews
{
    /// <summary>Longest side of a thumbnail: enough to recognise a frame, small enough to inline dozens in a page.</summary>
    public const int Side = 96;

    /// <summary>Sample <paramref name="index"/> of <paramref name="source"/>, evaluated (no augmentation) and encoded.</summary>
    public static ImagePreview Of(InputSource source, int index)
    {
        using var batch = source.Batch([index], ScalarType.Float32, CPU);
        using var scope = NewDisposeScope();
        var image = batch.Values[0]; // (3, S, S) in [0, 1]
        var height = (int)image.shape[1];
        var width = (int)image.shape[2];
        var bytes = image.clamp(Held(0L), Held(1L)).mul(Held(255L)).round().to_type(ScalarType.Byte).permute(1, 2, 0).contiguous().data<byte>().ToArray();
        using var picture = Image.LoadPixelData<Rgb24>(bytes, width, height);
        if (Math.Max(width, height) > Side)
            picture.Mutate(x => x.Resize(new ResizeOptions { Size = new SixLabors.ImageSharp.Size(Side, Side), Mode = ResizeMode.Max }));
        using var png = new MemoryStream();
        picture.SaveAsPng(png);
        return new ImagePreview(png.ToArray());
    }
}
