using Nona.Abstractions;
using Nona.Abstractions.Torch;
using TorchSharp;
using static Nona.Abstractions.Torch.HeldScalars;
using static TorchSharp.torch;

namespace Nona.Plugins.Vision.Pipeline;

/// <summary>
/// Image files as backbone input: the <c>image</c> modality. Each sample is decoded by <see cref="ImageDecoder"/>
/// when its batch is built (in parallel, see <see cref="SampleInputSource.Batches"/>), so a dataset larger
/// than memory trains without holding its pixels.
/// </summary>
public sealed class ImageInputs : FileSampleSource
{
    // Bump when decoding changes what a file turns into: cached frozen-backbone features keyed on the old output
    // must not be reused.
    private const string PipelineVersion = "nona-image-files-v1";

    private readonly ImageOptions options;

    /// <summary>
    /// The images at <paramref name="paths"/> (absolute), prepared as <paramref name="options"/> say. The fingerprint
    /// covers the evaluation settings; training augmentation is left out (cached features are computed without it).
    /// </summary>
    public ImageInputs(IReadOnlyList<string> paths, ImageOptions options)
        : base(paths, $"{PipelineVersion};{(options ?? throw new ArgumentNullException(nameof(options))).EvaluationKey()}")
    {
        this.options = options.Snapshot();
        SkipsBadSamples = options.OnBadImage == BadRowPolicy.Skip; // a body that fails mid-run is dropped like a bad header at load
    }

    /// <inheritdoc />
    public override string Modality => "image";

    /// <inheritdoc />
    public override SamplePreview Preview(int index) => ImagePreviews.Of(this, index);

    /// <inheritdoc />
    protected override LoadedSample LoadSample(int index, Random? augmentation) =>
        new(ImageDecoder.Decode(Paths[index], options, options.Augment ? augmentation : null));

}

/// <summary>
/// In-memory images (procedural or already decoded) as backbone input: the <c>image</c> modality. Each sample is
/// resized straight to ImageSize × ImageSize by antialiased bilinear interpolation (<see cref="ImageOptions.Resize"/>
/// does not apply: these images are already framed, and a center crop would cut off content the label may count).
/// Training augmentation matches <see cref="ImageDecoder"/>: random resized crop, flip, rotation.
/// </summary>
public sealed class TensorImageInputs : TensorSampleSource
{
    private const string PipelineVersion = "nona-image-tensor-v1";

    private readonly ImageOptions options;

    /// <summary>
    /// Wraps <paramref name="images"/>: a float32 CPU tensor (N, C, H, W) with values in [0, 1] and C = 1 (repeated
    /// to RGB) or 3. The source keeps its own reference to the storage; the caller may dispose its tensor.
    /// </summary>
    public TensorImageInputs(Tensor images, ImageOptions options)
        : base(Checked(images), $"{PipelineVersion};{(options ?? throw new ArgumentNullException(nameof(options))).EvaluationKey()}", nameof(images))
    {
        this.options = options.Snapshot();
    }

    /// <inheritdoc />
    public override string Modality => "image";

    /// <inheritdoc />
    public override SamplePreview Preview(int index) => ImagePreviews.Of(this, index);

    /// <inheritdoc />
    protected override LoadedSample LoadSample(int index, Random? augmentation)
    {
        using var scope = NewDisposeScope();
        var image = Samples[index]; // (C, H, W)
        if (image.shape[0] == 1)
            image = image.expand(3, -1, -1);
        var batch = image.unsqueeze(0); // (1, 3, H, W)
        var result = augmentation is not null && options.Augment
            ? Augment(batch, augmentation)
            : ResizeTo(batch, options.ImageSize);
        return new(result.squeeze(0).contiguous().MoveToOuterDisposeScope()); // (3, S, S)
    }

    private Tensor Augment(Tensor batch, Random random)
    {
        var size = options.ImageSize;
        var (x, y, width, height) = ImageDecoder.RandomResizedCropBox((int)batch.shape[3], (int)batch.shape[2], random);
        var flip = options.Flip && random.NextDouble() < 0.5;
        var degrees = options.Rotation > 0 ? ((random.NextDouble() * 2) - 1) * options.Rotation : 0;

        var result = ResizeTo(batch.narrow(2, y, height).narrow(3, x, width), size);
        if (flip)
            result = result.flip(3);
        if (degrees != 0)
            result = ImageDecoder.Rotate(result, degrees);
        return result;
    }

    private static Tensor ResizeTo(Tensor batch, int size)
    {
        if (batch.shape[2] == size && batch.shape[3] == size)
            return batch;

        // Antialiased bilinear, like ImageDecoder's Triangle kernel; interpolation is convex, the clamp only trims rounding.
        var resized = nn.functional.interpolate(batch, size: [size, size], mode: InterpolationMode.Bilinear, align_corners: false, antialias: true);
        return resized.clamp(Held(0L), One);
    }

    private static Tensor Checked(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.dim() != 4 || images.shape[1] is not (1 or 3))
            throw new ArgumentException($"images must be (N, C, H, W) with C = 1 or 3, got ({string.Join(", ", images.shape)})", nameof(images));
        if (images.dtype == ScalarType.Float32 && images.numel() > 0)
        {
            var (min, max) = ((float)images.min().ScalarValue(), (float)images.max().ScalarValue());
            if (!(min >= 0 && max <= 1))
                throw new ArgumentException($"image values must lie in [0, 1], got [{min}, {max}] (divide 8-bit pixels by 255)", nameof(images));
        }

        return images;
    }

}
