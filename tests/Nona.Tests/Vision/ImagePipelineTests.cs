using System.Buffers.Binary;
using System.Text;
using Nona.Abstractions;
using Nona.Host.Data;
using Nona.Plugins.Vision.Datasets;
using Nona.Plugins.Vision.Pipeline;
using Nona.Tests.Support;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Nona.Tests.Vision;

public sealed class ImagePipelineTests : IDisposable
{
    private static readonly Rgb24 Red = new(255, 0, 0);
    private static readonly Rgb24 Blue = new(0, 0, 255);

    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("nona-images-");

    public void Dispose() => _root.Delete(recursive: true);

    [Fact]
    public void Decode_Jpeg_GivesThreeBySizeFloatTensorInUnitRange()
    {
        var path = WriteRgb("photo.jpg", 640, 480, (x, y) => new Rgb24((byte)(x * 255 / 639), (byte)(y * 255 / 479), 128));

        using var image = ImageDecoder.Decode(path, new ImageOptions());

        Assert.Equal([3, 224, 224], image.shape);
        Assert.Equal(ScalarType.Float32, image.dtype);
        Assert.True(image.min().ToSingle() >= 0 && image.max().ToSingle() <= 1);
        Assert.True(image[0].max().ToSingle() - image[0].min().ToSingle() > 0.5, "the red gradient should survive the crop");
    }

    [Theory]
    [InlineData(40)] // 100×50 → 80×40, center crop 32 starts at x = 24: the color edge (x = 40) lands on column 16
    [InlineData(0)] // 100×50 stretched to 32×32: the edge lands on column 16
    public void ResizeAndCenterCrop_KeepRedOnTheLeftAndBlueOnTheRight(int resize)
    {
        var path = WriteRgb("halves.png", 100, 50, (x, _) => x < 50 ? Red : Blue);

        using var image = ImageDecoder.Decode(path, new ImageOptions { ImageSize = 32, Resize = resize });

        var (r, b) = (Plane(image, 0), Plane(image, 2));
        for (var y = 0; y < 32; y++)
        {
            for (var x = 0; x < 32; x++)
            {
                if (x <= 13)
                    Assert.True(r[y, x] > 0.99 && b[y, x] < 0.01, $"pixel ({x}, {y}) should be red");
                else if (x >= 18)
                    Assert.True(b[y, x] > 0.99 && r[y, x] < 0.01, $"pixel ({x}, {y}) should be blue");
            }

            Assert.True(r[y, 15] > b[y, 15] && b[y, 16] > r[y, 16], $"row {y}: the edge should fall between columns 15 and 16");
        }
    }

    [Fact]
    public void Grayscale_BecomesThreeEqualChannels()
    {
        var path = Path.Combine(_root.FullName, "gray.png");
        using (var gray = new Image<L8>(40, 30))
        {
            for (var y = 0; y < 30; y++)
            {
                for (var x = 0; x < 40; x++)
                    gray[x, y] = new L8((byte)((x * 6) + y));
            }

            gray.SaveAsPng(path);
        }

        using var image = ImageDecoder.Decode(path, new ImageOptions { ImageSize = 16, Resize = 0 });

        Assert.Equal([3, 16, 16], image.shape);
        Assert.True(Same(image[0], image[1]) && Same(image[1], image[2]));
        Assert.True(image[0].max().ToSingle() - image[0].min().ToSingle() > 0.3);
    }

    [Fact]
    public void ExifOrientation_IsApplied()
    {
        // Stored 100×50 with red on the left; orientation 6 means "rotate 90° clockwise to display": red on top.
        var path = Path.Combine(_root.FullName, "rotated.jpg");
        using (var stored = Picture(100, 50, (x, _) => x < 50 ? Red : Blue))
        {
            stored.Metadata.ExifProfile = new ExifProfile();
            stored.Metadata.ExifProfile.SetValue(ExifTag.Orientation, (ushort)6);
            stored.SaveAsJpeg(path, new JpegEncoder { Quality = 95 });
        }

        using var image = ImageDecoder.Decode(path, new ImageOptions { ImageSize = 32, Resize = 0 });

        var (r, b) = (Plane(image, 0), Plane(image, 2));
        Assert.True(r[4, 16] > 0.8 && b[4, 16] < 0.2, "the top should be red");
        Assert.True(b[27, 16] > 0.8 && r[27, 16] < 0.2, "the bottom should be blue");
    }

    [Fact]
    public void CorruptFile_ThrowsDataFormatExceptionNamingThePath()
    {
        var garbage = Path.Combine(_root.FullName, "garbage.png");
        File.WriteAllText(garbage, "this is not an image");
        var valid = File.ReadAllBytes(WriteRgb("valid.png", 64, 64, (x, y) => new Rgb24((byte)x, (byte)y, 0)));
        var truncated = Path.Combine(_root.FullName, "truncated.png");
        File.WriteAllBytes(truncated, valid[..40]);

        foreach (var path in new[] { garbage, truncated })
        {
            var error = Assert.Throws<DataFormatException>(() => ImageDecoder.Decode(path, new ImageOptions()));
            Assert.StartsWith(path + ": ", error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain('\n', error.Message);
        }

        Assert.False(ImageDecoder.TryIdentify(garbage, 1_000_000, out var problem));
        Assert.Contains("not an image", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingFile_ThrowsDataFormatExceptionNamingThePath()
    {
        var path = Path.Combine(_root.FullName, "nowhere", "missing.jpg");

        var error = Assert.Throws<DataFormatException>(() => ImageDecoder.Decode(path, new ImageOptions()));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("file not found", error.Message, StringComparison.Ordinal);
        Assert.False(ImageDecoder.TryIdentify(path, 1_000_000, out var problem));
        Assert.Equal("file not found", problem);
    }

    [Fact]
    public void ImageOverMaxPixels_IsRejectedFromItsHeaderBeforeDecoding()
    {
        // A 50 000 × 50 000 PNG header with no pixel data: decoding it would try to allocate 7.5 GB.
        var bomb = Path.Combine(_root.FullName, "bomb.png");
        File.WriteAllBytes(bomb, PngHeaderOnly(50_000, 50_000));
        var small = WriteRgb("small.png", 100, 100, (_, _) => Red);

        var error = Assert.Throws<DataFormatException>(() => ImageDecoder.Decode(bomb, new ImageOptions()));
        Assert.Contains(bomb, error.Message, StringComparison.Ordinal);
        Assert.Contains("50000×50000", error.Message, StringComparison.Ordinal);
        Assert.Contains("max_pixels (50000000)", error.Message, StringComparison.Ordinal);
        Assert.False(ImageDecoder.TryIdentify(bomb, 50_000_000, out var problem));
        Assert.Contains("max_pixels", problem, StringComparison.Ordinal);

        Assert.Throws<DataFormatException>(() => ImageDecoder.Decode(small, new ImageOptions { MaxPixels = 9_999 }));
        Assert.True(ImageDecoder.TryIdentify(small, 10_000, out _));
        ImageDecoder.Decode(small, new ImageOptions { MaxPixels = 10_000 }).Dispose();
    }

    [Fact]
    public void Augmentation_IsReproducibleForASeed_AndEvaluationIsNeverAugmented()
    {
        var path = WriteRgb("pattern.png", 80, 60, Pattern(1));
        var augmenting = new ImageOptions { ImageSize = 32, Resize = 40, Augment = true, Flip = true, Rotation = 20 };
        var plain = new ImageOptions { ImageSize = 32, Resize = 40 };

        using var first = ImageDecoder.Decode(path, augmenting, new Random(1));
        using var again = ImageDecoder.Decode(path, augmenting, new Random(1));
        using var other = ImageDecoder.Decode(path, augmenting, new Random(2));
        using var evaluation = ImageDecoder.Decode(path, augmenting, augmentation: null);
        using var reference = ImageDecoder.Decode(path, plain);

        Assert.True(Same(first, again));
        Assert.False(Same(first, other));
        Assert.True(Same(evaluation, reference));
        Assert.False(Same(first, reference));

        // Through the source: Batch is evaluation, even with augment: true.
        var inputs = new ImageInputs([path], augmenting);
        using var batch = inputs.Batch([0], ScalarType.Float32, CPU);
        Assert.True(Same(batch.Values[0], reference));
    }

    [Fact]
    public void Rotation_BlackensTheCornersAndKeepsTheCenter_InBothPipelines()
    {
        // A white image, cropped and resized, stays white; only a rotation can bring black (fill 0) into the corners.
        var path = WriteRgb("white.png", 64, 64, (_, _) => new Rgb24(255, 255, 255));
        using var white = torch.ones(1, 3, 64, 64, ScalarType.Float32);
        var rotating = new ImageOptions { ImageSize = 32, Resize = 0, Augment = true, Rotation = 45 };
        var tensors = new TensorImageInputs(white, rotating);
        var still = new ImageOptions { ImageSize = 32, Resize = 0, Augment = true };

        foreach (var seed in new[] { 1, 2, 3 })
        {
            using var decoded = ImageDecoder.Decode(path, rotating, new Random(seed));
            using var fromTensor = tensors.Batches([[0]], ScalarType.Float32, CPU, augmentationPass: 1).Single();
            using var unrotated = ImageDecoder.Decode(path, still, new Random(seed));
            foreach (var image in new[] { decoded, fromTensor.Values.squeeze(0) })
            {
                Assert.Equal([3, 32, 32], image.shape);
                Assert.True(image[.., 0, 0].max().ToSingle() < 0.5 || image[.., 31, 31].max().ToSingle() < 0.5, $"seed {seed}: a corner should turn black");
                Assert.True(image[.., 14..18, 14..18].min().ToSingle() > 0.99, $"seed {seed}: the center should stay white");
            }

            Assert.True(unrotated.min().ToSingle() > 0.99);
        }
    }

    [Fact]
    public void Batches_FollowThePlanInOrder_AndAugmentOnlyInTraining()
    {
        string[] paths = [.. Enumerable.Range(0, 6).Select(i => WriteRgb($"img{i}.png", 60 + (i * 7), 50, Pattern(i)))];
        var options = new ImageOptions { ImageSize = 24, Resize = 32, Augment = true, Flip = true };
        var inputs = new ImageInputs(paths, options) { DecodeThreads = 2, AugmentationSeed = 5 };
        long[][] plan = [[0, 1], [2, 3, 4], [5], [4, 0], [1, 2, 3, 5]];

        var evaluation = inputs.Batches(plan, ScalarType.Float32, CPU).ToList();
        Assert.Equal(plan.Length, evaluation.Count);
        for (var i = 0; i < plan.Length; i++)
        {
            using var expected = inputs.Batch(plan[i], ScalarType.Float32, CPU);
            Assert.Equal([plan[i].Length, 3, 24, 24], evaluation[i].Values.shape);
            Assert.True(Same(evaluation[i].Values, expected.Values), $"batch {i} differs from Batch(plan[{i}])");
        }

        var training = inputs.Batches(plan, ScalarType.Float32, CPU, augmentationPass: 1).ToList();
        Assert.Contains(Enumerable.Range(0, plan.Length), i => !Same(training[i].Values, evaluation[i].Values));

        // The same seed and pass give the same crops in a fresh source, after other passes; the next pass draws new ones.
        var twin = new ImageInputs(paths, options) { AugmentationSeed = 5 };
        var nextPass = twin.Batches(plan, ScalarType.Float32, CPU, augmentationPass: 2).ToList();
        var replay = twin.Batches(plan, ScalarType.Float32, CPU, augmentationPass: 1).ToList();
        Assert.All(Enumerable.Range(0, plan.Length), i => Assert.True(Same(replay[i].Values, training[i].Values)));
        Assert.Contains(Enumerable.Range(0, plan.Length), i => !Same(nextPass[i].Values, training[i].Values));

        foreach (var batch in evaluation.Concat(training).Concat(replay).Concat(nextPass))
            batch.Dispose();
    }

    [Fact]
    public void TensorImageInputs_RepeatGrayToRgb_Resize_AndAugmentReproducibly()
    {
        var generator = new Random(3);
        var pixels = new float[4 * 20 * 20];
        for (var i = 0; i < pixels.Length; i++)
            pixels[i] = (float)generator.NextDouble();
        using var images = torch.tensor(pixels, [4, 1, 20, 20], ScalarType.Float32);
        var options = new ImageOptions { ImageSize = 32, Augment = true, Flip = true, Rotation = 10 };
        var inputs = new TensorImageInputs(images, options) { AugmentationSeed = 1 };
        long[][] plan = [[0, 1, 2, 3]];

        using var batch = inputs.Batch(plan[0], ScalarType.Float32, CPU);
        Assert.Equal([4, 3, 32, 32], batch.Values.shape);
        Assert.True(Same(batch.Values[.., 0], batch.Values[.., 2]));
        Assert.True(batch.Values.min().ToSingle() >= 0 && batch.Values.max().ToSingle() <= 1);
        using var expected = nn.functional.interpolate(images, size: [32, 32], mode: InterpolationMode.Bilinear, align_corners: false, antialias: true);
        Assert.True(batch.Values[.., 1].unsqueeze(1).allclose(expected, rtol: 0, atol: 1e-6));

        using var trained = inputs.Batches(plan, ScalarType.Float32, CPU, augmentationPass: 1).Single();
        using var replayed = new TensorImageInputs(images, options) { AugmentationSeed = 1 }.Batches(plan, ScalarType.Float32, CPU, augmentationPass: 1).Single();
        Assert.False(Same(trained.Values, batch.Values));
        Assert.True(Same(trained.Values, replayed.Values));
        Assert.Throws<ArgumentException>(() => new TensorImageInputs(images * 255, options));
    }

    [Fact]
    public void Fingerprint_ChangesWithFileBytesAndImageSize_NotWithAugmentation()
    {
        var path = WriteRgb("a.png", 30, 30, Pattern(1));
        var before = new ImageInputs([path], new ImageOptions()).Fingerprint();

        Assert.Equal(64, before.Length);
        Assert.Equal(before, new ImageInputs([path], new ImageOptions { Augment = true, Flip = true }).Fingerprint());
        Assert.NotEqual(before, new ImageInputs([path], new ImageOptions { ImageSize = 112, Resize = 128 }).Fingerprint());
        WriteRgb("a.png", 30, 30, Pattern(2));
        Assert.NotEqual(before, new ImageInputs([path], new ImageOptions()).Fingerprint());
    }

    [Fact]
    public void ImageCsv_LoadsThroughTheFactory()
    {
        WriteRgb("images/a.png", 40, 30, Pattern(1));
        WriteRgb("images/b.jpg", 50, 40, Pattern(2));
        WriteRgb("images/c.png", 30, 60, Pattern(3));
        File.WriteAllText(Path.Combine(_root.FullName, "houses.csv"), "file,price\nimages/a.png,100\nimages/b.jpg,1000\nimages/c.png,10\n");
        var options = new ImageCsvOptions { Path = "houses.csv", Image = "file", Target = "price", LabelTransform = LabelTransform.Log, ImageSize = 16, Resize = 20 };

        var data = CreateImageCsv(options).Load(CancellationToken.None);

        Assert.Equal("houses", data.Name);
        Assert.Equal([Math.Log(100), Math.Log(1000), Math.Log(10)], data.Labels);
        Assert.Empty(data.Notes);
        var inputs = Assert.IsType<ImageInputs>(data.Inputs);
        Assert.Equal("image", inputs.Modality);
        Assert.Equal(Path.Combine(_root.FullName, "images", "b.jpg"), inputs.Paths[1]);
        using var batch = inputs.Batch([0, 1, 2], ScalarType.Float32, CPU);
        Assert.Equal([3, 3, 16, 16], batch.Values.shape);
    }

    [Fact]
    public void ImageCsv_MissingTable_NamesDataRootAndTheFix()
    {
        var options = new ImageCsvOptions { Path = "nope.csv", Image = "file", Target = "y" };

        var error = Assert.Throws<NonaException>(() => CreateImageCsv(options));

        Assert.Contains(Path.Combine(_root.FullName, "nope.csv"), error.Message, StringComparison.Ordinal);
        Assert.Contains($"data.root is {_root.FullName}", error.Message, StringComparison.Ordinal);
        Assert.Contains("--set data.root=DIR", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ImageCsv_SkipPolicyCountsUnreadableImages_FailPolicyNamesTheFirst()
    {
        WriteRgb("ok1.png", 20, 20, Pattern(1));
        WriteRgb("ok2.png", 20, 20, Pattern(2));
        File.WriteAllText(Path.Combine(_root.FullName, "broken.png"), "not a png");
        File.WriteAllText(Path.Combine(_root.FullName, "t.csv"), "img,y\nok1.png,1\nmissing.png,2\nbroken.png,3\nok2.png,4\n");

        var skip = new ImageCsvOptions { Path = "t.csv", Image = "img", Target = "y", ImageSize = 16, Resize = 0, OnBadImage = BadRowPolicy.Skip };
        var data = CreateImageCsv(skip).Load(CancellationToken.None);

        Assert.Equal([1.0, 4.0], data.Labels);
        Assert.Equal(2, data.Inputs.Count);
        var note = Assert.Single(data.Notes);
        Assert.StartsWith("t: skipped 2 unreadable image(s), e.g. ", note, StringComparison.Ordinal);
        Assert.Contains("missing.png: file not found (table line 3)", note, StringComparison.Ordinal);
        Assert.Contains("broken.png: not an image", note, StringComparison.Ordinal);

        var fail = new ImageCsvOptions { Path = "t.csv", Image = "img", Target = "y" };
        var error = Assert.Throws<DataFormatException>(() => CreateImageCsv(fail).Load(CancellationToken.None));
        Assert.StartsWith(Path.Combine(_root.FullName, "missing.png") + ": file not found", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("fix or remove the file, or set on_bad_image: skip", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Shapes_AreDeterministicForASeed_WithLabelsInsideTheUnitInterval()
    {
        var options = new ShapesOptions { N = 50, Size = 32, ImageSize = 32 };
        var first = new ShapesDataset(options).Load(CancellationToken.None);
        var second = new ShapesDataset(options).Load(CancellationToken.None);
        var other = new ShapesDataset(new ShapesOptions { N = 50, Size = 32, ImageSize = 32, Seed = 8 }).Load(CancellationToken.None);
        long[] all = [.. Enumerable.Range(0, 50).Select(i => (long)i)];

        Assert.Equal(first.Labels, second.Labels);
        Assert.NotEqual(first.Labels, other.Labels);
        Assert.All(first.Labels, label => Assert.InRange(label, 1e-3, 0.999));
        Assert.True(first.Labels.Distinct().Count() > 40);
        using var a = first.Inputs.Batch(all, ScalarType.Float32, CPU);
        using var b = second.Inputs.Batch(all, ScalarType.Float32, CPU);
        Assert.True(Same(a.Values, b.Values));
        Assert.Equal([50, 3, 32, 32], a.Values.shape);
        Assert.Equal(first.Inputs.Fingerprint(), second.Inputs.Fingerprint());
    }

    [Fact]
    public void Shapes_AreaIsLearnableFromPooledPixels()
    {
        // Ridge regression on 8×8 average-pooled gray levels: if this already explains most of the label variance,
        // frozen convolutional features will too.
        var data = new ShapesDataset(new ShapesOptions { N = 600, ImageSize = 64 }).Load(CancellationToken.None);
        using var batch = data.Inputs.Batch([.. Enumerable.Range(0, 600).Select(i => (long)i)], ScalarType.Float64, CPU);
        using var pooled = nn.functional.avg_pool2d(batch.Values.mean([1], keepdim: true), 8).flatten(1);   // (600, 64)
        using var x = torch.cat([pooled, torch.ones(600, 1, ScalarType.Float64)], 1);
        using var y = torch.tensor(data.Labels, [600, 1], ScalarType.Float64);
        using var trainX = x.narrow(0, 0, 400);
        using var testX = x.narrow(0, 400, 200);
        using var trainY = y.narrow(0, 0, 400);
        using var testY = y.narrow(0, 400, 200);

        using var gram = trainX.t().matmul(trainX) + (1e-2 * torch.eye(65, dtype: ScalarType.Float64));
        using var weights = torch.linalg.solve(gram, trainX.t().matmul(trainY));
        var mse = (testX.matmul(weights) - testY).pow(2).mean().ToDouble();
        var variance = testY.var().ToDouble();

        Assert.True(mse < 0.25 * variance, $"ridge test MSE {mse:G3} should be well under the label variance {variance:G3}");
    }

    private IDataset CreateImageCsv(ImageCsvOptions options) => (IDataset)new ImageCsvDatasetFactory().Create(options, new PluginContext
    {
        DataRoot = _root.FullName,
        RecipePath = "recipe.yaml",
        RecipeKey = "datasets[0]",
        Seed = 11,
        Tables = new CsvTableReader(),
        Weights = new NoWeights(),
        Plugins = new NoPlugins(),
    });

    private string WriteRgb(string name, int width, int height, Func<int, int, Rgb24> color)
    {
        var path = Path.Combine(_root.FullName, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var image = Picture(width, height, color);
        if (name.EndsWith(".jpg", StringComparison.Ordinal))
            image.SaveAsJpeg(path, new JpegEncoder { Quality = 90 });
        else
            image.SaveAsPng(path);
        return path;
    }

    private static Image<Rgb24> Picture(int width, int height, Func<int, int, Rgb24> color)
    {
        var image = new Image<Rgb24>(width, height);
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
                image[x, y] = color(x, y);
        }

        return image;
    }

    // Asymmetric and different per seed, so crops, flips and rotations all change the pixels.
    private static Func<int, int, Rgb24> Pattern(int seed) =>
        (x, y) => new Rgb24((byte)((x * 7 * seed) + (y * y)), (byte)((x * y) + (seed * 40)), (byte)(x < 20 ? 250 : y * 4));

    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().ToBoolean();

    private static float[,] Plane(Tensor image, int channel)
    {
        var (height, width) = ((int)image.shape[1], (int)image.shape[2]);
        var values = image[channel].contiguous().data<float>().ToArray();
        var plane = new float[height, width];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
                plane[y, x] = values[(y * width) + x];
        }

        return plane;
    }

    // PNG signature, an IHDR for an 8-bit RGB image of the given size, IEND: valid headers, no pixels.
    private static byte[] PngHeaderOnly(int width, int height)
    {
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8;
        header[9] = 2;
        using var stream = new MemoryStream();
        stream.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        WriteChunk(stream, "IHDR", header);
        WriteChunk(stream, "IEND", []);
        return stream.ToArray();
    }

    private static void WriteChunk(Stream stream, string type, byte[] data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        stream.Write(word);
        byte[] typed = [.. Encoding.ASCII.GetBytes(type), .. data];
        stream.Write(typed);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32(typed));
        stream.Write(word);
    }

    private static uint Crc32(byte[] bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var value in bytes)
        {
            crc ^= value;
            for (var bit = 0; bit < 8; bit++)
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
        }

        return ~crc;
    }


}
