// Follows torchvision's ImageNet transforms (torchvision/transforms/transforms.py): Resize(shorter side) +
// CenterCrop for evaluation, RandomResizedCrop for training, with the same size arithmetic (truncated long side,
// rounded crop offsets) so a torchvision-trained backbone sees the framing it was trained with. Resampling is
// ImageSharp's Triangle kernel, i.e. bilinear; when it shrinks, ImageSharp widens the kernel by the scale factor,
// which is the antialiased bilinear of PIL and of torchvision's antialias=True.
using Nona.Abstractions;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Metadata;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using TorchSharp;
using static TorchSharp.torch;

namespace Nona.Plugins.Vision.Pipeline;

/// <summary>Decodes one image file into a CPU float32 tensor (3, S, S) with values in [0, 1].</summary>
public static class ImageDecoder
{
    private const string Formats = "JPEG, PNG, BMP, GIF, TIFF, TGA, WebP or PBM";

    // The torchvision RandomResizedCrop ranges: area fraction and log-uniform aspect ratio.
    private const double MinScale = 0.6;
    private const double MaxScale = 1.0;
    private static readonly double MinLogRatio = Math.Log(3.0 / 4.0);
    private static readonly double MaxLogRatio = Math.Log(4.0 / 3.0);

    private static readonly Configuration Decoding = CreateConfiguration();

    /// <summary>
    /// Decodes <paramref name="path"/>: EXIF orientation applied, grayscale and alpha dropped to RGB, then the
    /// evaluation transform, or with <paramref name="augmentation"/> the training one (random resized crop, flip and
    /// rotation as <paramref name="options"/> enable them). Throws <see cref="DataFormatException"/> naming the file
    /// and the cause in one line.
    /// </summary>
    public static Tensor Decode(string path, ImageOptions options, Random? augmentation = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        try
        {
            using var image = Load(path, options.MaxPixels);
            var degrees = 0.0;
            if (augmentation is null)
                Evaluate(image, options);
            else
                degrees = Augment(image, options, augmentation);
            var tensor = ToTensor(image);
            if (degrees == 0)
                return tensor;
            using (tensor)
                return Rotate(tensor, degrees);
        }
        catch (Exception e) when (e is not DataFormatException and not OperationCanceledException)
        {
            throw new DataFormatException($"{path}: cannot decode the image ({Describe(e)}); fix or remove the file");
        }
    }

    /// <summary>
    /// Reads only the header of <paramref name="path"/>: false, with <paramref name="problem"/> saying why, when the
    /// file is missing, not a readable image, or larger than <paramref name="maxPixels"/>. Cheap enough to run over a
    /// whole dataset at load time; it cannot see corruption past the header.
    /// </summary>
    public static bool TryIdentify(string path, long maxPixels, out string? problem)
    {
        try
        {
            if (!File.Exists(path))
            {
                problem = "file not found";
                return false;
            }

            var info = Image.Identify(Decoding, path, out _);
            problem = info is null ? NotAnImage : SizeProblem(info.Width, info.Height, maxPixels);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            problem = Describe(e);
        }

        return problem is null;
    }

    private static string NotAnImage => $"not an image in a format ImageSharp reads ({Formats})";

    private static Configuration CreateConfiguration()
    {
        var configuration = Configuration.Default.Clone();

        // Samples already decode in parallel (SampleInputSource); one thread per image avoids oversubscription.
        configuration.MaxDegreeOfParallelism = 1;

        // Only the first frame is used; decoding every frame of an animation would bypass the max_pixels check.
        configuration.ImageFormatsManager.SetDecoder(GifFormat.Instance, new GifDecoder { DecodingMode = FrameDecodingMode.First });
        configuration.ImageFormatsManager.SetDecoder(TiffFormat.Instance, new TiffDecoder { DecodingMode = FrameDecodingMode.First });
        return configuration;
    }

    private static Image<Rgb24> Load(string path, long maxPixels)
    {
        var bytes = File.ReadAllBytes(path);

        // The header is checked before any pixel buffer exists: a crafted file cannot make us allocate gigabytes.
        var info = Image.Identify(Decoding, bytes, out _) ?? throw new DataFormatException($"{path}: {NotAnImage}");
        if (SizeProblem(info.Width, info.Height, maxPixels) is { } problem)
            throw new DataFormatException($"{path}: {problem}");

        var image = Image.Load<Rgb24>(Decoding, bytes);
        image.Mutate(context => context.AutoOrient());
        return image;
    }

    private static string? SizeProblem(int width, int height, long maxPixels)
    {
        if (width <= 0 || height <= 0)
            return $"the image has no pixels ({width}×{height})";
        var pixels = (long)width * height;
        return pixels <= maxPixels
            ? null
            : $"the image is {width}×{height} = {pixels} pixels, more than max_pixels ({maxPixels}); raise max_pixels if the file is trusted";
    }

    // torchvision: Resize(resize) then CenterCrop(image_size); resize 0 stretches the whole frame to the square.
    private static void Evaluate(Image<Rgb24> image, ImageOptions options)
    {
        var size = options.ImageSize;
        if (options.Resize == 0)
        {
            image.Mutate(context => context.Resize(size, size, KnownResamplers.Triangle));
            return;
        }

        var (width, height) = ShorterSideTo(image.Width, image.Height, options.Resize);
        var crop = CenterCrop(width, height, size);
        image.Mutate(context => context.Resize(width, height, KnownResamplers.Triangle).Crop(crop));
    }

    // Returns the rotation still to apply: it runs on the tensor (Rotate), where it costs a fraction of ImageSharp's.
    private static double Augment(Image<Rgb24> image, ImageOptions options, Random random)
    {
        var size = options.ImageSize;
        var (x, y, width, height) = RandomResizedCropBox(image.Width, image.Height, random);
        var flip = options.Flip && random.NextDouble() < 0.5;
        var degrees = options.Rotation > 0 ? ((random.NextDouble() * 2) - 1) * options.Rotation : 0;
        image.Mutate(context =>
        {
            // Cropping first resamples only the pixels that are kept.
            context.Crop(new Rectangle(x, y, width, height)).Resize(size, size, KnownResamplers.Triangle);
            if (flip)
                context.Flip(FlipMode.Horizontal);
        });
        return degrees;
    }

    /// <summary>
    /// Rotates (3, S, S) or (N, 3, S, S) images about their center by <paramref name="degrees"/> (bilinear), keeping
    /// the size and filling the corners with black, like torchvision's RandomRotation (expand=False, fill=0).
    /// </summary>
    internal static Tensor Rotate(Tensor images, double degrees)
    {
        using var scope = NewDisposeScope();
        var batch = images.dim() == 3 ? images.unsqueeze(0) : images;
        var radians = degrees * Math.PI / 180;
        var (cos, sin) = ((float)Math.Cos(radians), (float)Math.Sin(radians));
        var theta = torch.tensor(new[] { cos, -sin, 0f, sin, cos, 0f }, [1, 2, 3], ScalarType.Float32).expand(batch.shape[0], 2, 3);
        var grid = nn.functional.affine_grid(theta, batch.shape, align_corners: false);
        var rotated = nn.functional.grid_sample(batch, grid, mode: GridSampleMode.Bilinear, padding_mode: GridSamplePaddingMode.Zeros, align_corners: false);
        return (images.dim() == 3 ? rotated.squeeze(0) : rotated).MoveToOuterDisposeScope();
    }

    /// <summary>torchvision's resize of the shorter side: the longer one scales along and is truncated.</summary>
    internal static (int Width, int Height) ShorterSideTo(int width, int height, int shorter) => width <= height
        ? (shorter, (int)(shorter * (double)height / width))
        : ((int)(shorter * (double)width / height), shorter);

    // torchvision's center_crop offsets: round((H - S) / 2), Python's round-half-to-even like Math.Round.
    private static Rectangle CenterCrop(int width, int height, int size) =>
        new((int)Math.Round((width - size) / 2.0), (int)Math.Round((height - size) / 2.0), size, size);

    /// <summary>
    /// torchvision's <c>RandomResizedCrop.get_params</c> with scale [0.6, 1] and aspect [3/4, 4/3]: up to ten tries
    /// at a random box, then the largest central box within the aspect range.
    /// </summary>
    internal static (int X, int Y, int Width, int Height) RandomResizedCropBox(int width, int height, Random random)
    {
        var area = (double)width * height;
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var targetArea = area * (MinScale + (random.NextDouble() * (MaxScale - MinScale)));
            var aspect = Math.Exp(MinLogRatio + (random.NextDouble() * (MaxLogRatio - MinLogRatio)));
            var w = (int)Math.Round(Math.Sqrt(targetArea * aspect));
            var h = (int)Math.Round(Math.Sqrt(targetArea / aspect));
            if (w > 0 && w <= width && h > 0 && h <= height)
                return (random.Next(0, width - w + 1), random.Next(0, height - h + 1), w, h);
        }

        var ratio = (double)width / height;
        var (cropWidth, cropHeight) = ratio < 3.0 / 4.0 ? (width, (int)Math.Round(width / (3.0 / 4.0)))
            : ratio > 4.0 / 3.0 ? ((int)Math.Round(height * (4.0 / 3.0)), height)
            : (width, height);
        return ((width - cropWidth) / 2, (height - cropHeight) / 2, cropWidth, cropHeight);
    }

    // (3, H, W) planes of R, G, B scaled to [0, 1].
    private static Tensor ToTensor(Image<Rgb24> image)
    {
        var (width, height) = (image.Width, image.Height);
        var plane = width * height;
        var values = new float[3 * plane];
        image.ProcessPixelRows(accessor =>
        {
            for (var y = 0; y < accessor.Height; y++)
            {
                var row = accessor.GetRowSpan(y);
                var offset = y * width;
                for (var x = 0; x < row.Length; x++)
                {
                    values[offset + x] = row[x].R / 255f;
                    values[plane + offset + x] = row[x].G / 255f;
                    values[(2 * plane) + offset + x] = row[x].B / 255f;
                }
            }
        });
        return torch.tensor(values, [3, height, width], ScalarType.Float32);
    }

    private static string Describe(Exception e) => e switch
    {
        FileNotFoundException or DirectoryNotFoundException => "file not found",
        UnauthorizedAccessException => "permission denied",
        UnknownImageFormatException => NotAnImage,
        ImageFormatException => $"corrupt or unsupported image: {OneLine(e.Message)}",
        _ => $"{e.GetType().Name}: {OneLine(e.Message)}",
    };

    private static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries)).Trim();
}
