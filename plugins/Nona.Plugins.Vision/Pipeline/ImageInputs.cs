using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Nona.Abstractions;
using TorchSharp;
using static TorchSharp.torch;

namespace Nona.Plugins.Vision.Pipeline;

/// <summary>
/// Image files as backbone input: the <c>image</c> modality. Each sample is decoded by <see cref="ImageDecoder"/>
/// when its batch is built (in parallel, prefetched by <see cref="SampleInputSource.Batches"/>), so a dataset larger
/// than memory trains without holding its pixels.
/// </summary>
public sealed class ImageInputs : SampleInputSource
{
    // Bump when decoding changes what a file turns into: cached frozen-backbone features keyed on the old output
    // must not be reused.
    private const string PipelineVersion = "nona-image-files-v1";

    private readonly string[] paths;
    private readonly ImageOptions options;
    private readonly Lazy<string> fingerprint;

    /// <summary>The images at <paramref name="paths"/> (absolute), prepared as <paramref name="options"/> say.</summary>
    public ImageInputs(IReadOnlyList<string> paths, ImageOptions options)
    {
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(options);
        this.paths = [.. paths];
        this.options = options.Snapshot();
        fingerprint = new Lazy<string>(ComputeFingerprint, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The image files, in sample order.</summary>
    public IReadOnlyList<string> Paths => paths;

    /// <inheritdoc />
    public override int Count => paths.Length;

    /// <inheritdoc />
    public override string Modality => "image";

    /// <inheritdoc />
    public override long VectorDim => 0;

    /// <summary>
    /// SHA-256 (hex) over the evaluation settings and every file's bytes in order; computed on first use (it reads
    /// every file once) and kept. Training augmentation is left out: cached features are computed without it.
    /// </summary>
    public override string Fingerprint() => fingerprint.Value;

    /// <inheritdoc />
    protected override LoadedSample LoadSample(int index, Random? augmentation) =>
        new(ImageDecoder.Decode(paths[index], options, options.Augment ? augmentation : null));

    private string ComputeFingerprint() =>
        FileSamples.Fingerprint(paths, $"{PipelineVersion};{options.EvaluationKey()}", DecodeThreads);
}

/// <summary>
/// In-memory images (procedural or already decoded) as backbone input: the <c>image</c> modality. Each sample is
/// resized straight to ImageSize × ImageSize by antialiased bilinear interpolation (<see cref="ImageOptions.Resize"/>
/// does not apply: these images are already framed, and a center crop would cut off content the label may count).
/// Training augmentation matches <see cref="ImageDecoder"/>: random resized crop, flip, rotation.
/// </summary>
public sealed class TensorImageInputs : SampleInputSource
{
    private const string PipelineVersion = "nona-image-tensor-v1";

    private readonly Tensor images;
    private readonly ImageOptions options;
    private readonly Lazy<string> fingerprint;

    /// <summary>
    /// Wraps <paramref name="images"/>: a float32 CPU tensor (N, C, H, W) with values in [0, 1] and C = 1 (repeated
    /// to RGB) or 3. The source keeps its own reference to the storage; the caller may dispose its tensor.
    /// </summary>
    public TensorImageInputs(Tensor images, ImageOptions options)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(options);
        if (images.dim() != 4 || images.shape[1] is not (1 or 3))
            throw new ArgumentException($"images must be (N, C, H, W) with C = 1 or 3, got ({string.Join(", ", images.shape)})", nameof(images));
        if (images.dtype != ScalarType.Float32 || images.device_type != DeviceType.CPU)
            throw new ArgumentException($"images must be a float32 CPU tensor, got {images.dtype} on {images.device}", nameof(images));
        if (images.numel() > 0)
        {
            var (min, max) = (images.min().ToSingle(), images.max().ToSingle());
            if (!(min >= 0 && max <= 1))
                throw new ArgumentException($"image values must lie in [0, 1], got [{min}, {max}] (divide 8-bit pixels by 255)", nameof(images));
        }

        // A handle of our own, outside any dispose scope the caller may be in.
        this.images = images.detach().contiguous().DetachFromDisposeScope();
        this.options = options.Snapshot();
        fingerprint = new Lazy<string>(ComputeFingerprint, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <inheritdoc />
    public override int Count => (int)images.shape[0];

    /// <inheritdoc />
    public override string Modality => "image";

    /// <inheritdoc />
    public override long VectorDim => 0;

    /// <summary>SHA-256 (hex) of the tensor's shape and bytes and the evaluation settings; computed once.</summary>
    public override string Fingerprint() => fingerprint.Value;

    /// <inheritdoc />
    protected override LoadedSample LoadSample(int index, Random? augmentation)
    {
        using var scope = NewDisposeScope();
        var image = images[index]; // (C, H, W)
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
        return resized.clamp(0, 1);
    }

    private string ComputeFingerprint()
    {
        var values = images.data<float>().ToArray();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes($"{PipelineVersion};{options.EvaluationKey()};shape={string.Join('x', images.shape)}\n"));
        hash.AppendData(MemoryMarshal.AsBytes(values.AsSpan()));
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
