using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using Nona.Abstractions;
using Nona.Host.Data;
using Nona.Plugins.Vision.Datasets;
using Nona.Plugins.Vision.Pipeline;
using Nona.Tests.Support;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Nona.Tests.Vision;

/// <summary>
/// The image datasets on small fixtures written here in each dataset's own download format (see docs/datasets.md):
/// Udacity's interpolated.csv and driving_log.csv, RSNA's csv and doubled image folder, HousesInfo.txt, a MedSegBench .npz.
/// </summary>
public sealed class ImageDatasetTests : IDisposable
{
    // A Challenge 2 time stamp (ns): beyond double precision, so it must be parsed as an integer.
    private const long T0 = 1479424215880976321;
    private const long Ms = 1_000_000;

    private readonly TempFolder _root = new();

    public void Dispose() => _root.Dispose();

    [Fact]
    public void Udacity_Challenge_KeepsCenterCameraRowsWithTheirAnglesInRadians()
    {
        var rows = new[]
        {
            Row(T0, "center_camera", "center", -0.0314159281552),
            Row(T0 + (13 * Ms), "right_camera", "right", -0.0314159281552),
            Row(T0 + (20 * Ms), "left_camera", "left", -0.03),
            Row(T0 + (50 * Ms), "center_camera", "center", 0.12566371262073517),
            Row(T0 + (63 * Ms), "right_camera", "right", 0.12566371262073517),
            Row(T0 + (100 * Ms), "center_camera", "center", 0.5),
        };
        WriteChallenge("HMB_1", rows);

        var data = Load(new UdacityDatasetFactory(), new UdacityOptions());

        Assert.Equal([-0.0314159281552, 0.12566371262073517, 0.5], data.Labels);
        Assert.Equal(
            [Frame("HMB_1/center", T0), Frame("HMB_1/center", T0 + (50 * Ms)), Frame("HMB_1/center", T0 + (100 * Ms))],
            Paths(data));
        Assert.Equal("image", data.Inputs.Modality);
    }

    [Fact]
    public void Udacity_ChallengeFps_KeepsTheFirstFrameOfEachSlotByTimestamp()
    {
        // A 20 fps camera with jitter; at fps 4 the slots are 250 ms wide from the first frame: [0, 250) [250, 500) [500, 750).
        double[] offsets = [0, 50.2, 99.8, 150.1, 200.3, 249.7, 300.0, 350.0, 400.4, 450.0, 500.1, 549.9];
        var rows = offsets.SelectMany((ms, i) => new[]
        {
            Row(T0 + (long)(ms * Ms), "center_camera", "center", i),
            Row(T0 + (long)(ms * Ms) + (5 * Ms), "left_camera", "left", -i),
        }).ToArray();
        WriteChallenge(".", rows);

        var data = Load(new UdacityDatasetFactory(), new UdacityOptions { Fps = 4 });

        // 249.7 ms is still in the first slot; 300 ms opens the second, 500.1 ms the third.
        Assert.Equal([0.0, 6.0, 10.0], data.Labels);
        Assert.Equal([Frame("center", T0), Frame("center", T0 + (300 * Ms)), Frame("center", T0 + (long)(500.1 * Ms))], Paths(data));
    }

    [Fact]
    public void Udacity_Challenge_ReadsEveryRecordingFolderInNameOrder()
    {
        WriteChallenge("HMB_2", [Row(T0 + 1000, "center_camera", "center", 2)]);
        WriteChallenge("HMB_1", [Row(T0, "center_camera", "center", 1)]);

        var data = Load(new UdacityDatasetFactory(), new UdacityOptions { Layout = UdacityLayout.Challenge });

        Assert.Equal([1.0, 2.0], data.Labels);
        Assert.Equal([Frame("HMB_1/center", T0), Frame("HMB_2/center", T0 + 1000)], Paths(data));
    }

    [Fact]
    public void Udacity_Simulator_TakesTheFileNameUnderImgFromAbsoluteWindowsAndLinuxPaths()
    {
        const string a = "2016_12_01_13_30_48_287";
        const string b = "2016_12_01_13_30_48_404";
        const string c = "2016_12_01_13_30_48_471";
        WriteJpeg($"sim/IMG/center_{a}.jpg");
        WriteJpeg($"sim/IMG/center_{b}.jpg");
        WriteJpeg($"sim/IMG/center_{c}.jpg");
        _root.Write("sim/driving_log.csv", string.Join('\n',
            $@"C:\Users\Ann Lee\Desktop\run 1\IMG\center_{a}.jpg,C:\Users\Ann Lee\Desktop\run 1\IMG\left_{a}.jpg,C:\Users\Ann Lee\Desktop\run 1\IMG\right_{a}.jpg,0,0,0,1.3E-05",
            $"/home/ann/sim data/IMG/center_{b}.jpg,/home/ann/sim data/IMG/left_{b}.jpg,/home/ann/sim data/IMG/right_{b}.jpg,-0.25,0.5,0,12.5",
            $"\"/home/ann/a,b/IMG/center_{c}.jpg\",/home/ann/a/IMG/left_{c}.jpg,/home/ann/a/IMG/right_{c}.jpg,0.75,1,0,30.19") + "\n");

        var data = Load(new UdacityDatasetFactory(), new UdacityOptions { Folder = "sim" });

        Assert.Equal([0.0, -0.25, 0.75], data.Labels);
        Assert.Equal([Under($"sim/IMG/center_{a}.jpg"), Under($"sim/IMG/center_{b}.jpg"), Under($"sim/IMG/center_{c}.jpg")], Paths(data));
    }

    [Fact]
    public void Udacity_SimulatorFps_SubsamplesByTheTimeInTheImageNames_AndSkipsTheSampleDataHeader()
    {
        // Udacity's sample data: a header row and relative paths with a space after each comma. The simulator records
        // every 1/15 s; at fps 5 the slots are 200 ms wide.
        int[] ms = [0, 67, 133, 200, 267, 333, 400, 467];
        var lines = new List<string> { "center,left,right,steering,throttle,brake,speed" };
        foreach (var (t, i) in ms.Select((t, i) => (t, i)))
        {
            var name = $"center_2016_12_01_13_30_49_{t:000}.jpg";
            WriteJpeg($"data/IMG/{name}");
            lines.Add($"IMG/{name}, IMG/left_2016_12_01_13_30_49_{t:000}.jpg, IMG/right_2016_12_01_13_30_49_{t:000}.jpg, {i}, 0, 0, 22.1");
        }

        _root.Write("data/driving_log.csv", string.Join("\r\n", lines) + "\r\n");

        var data = Load(new UdacityDatasetFactory(), new UdacityOptions { Folder = "data", Layout = UdacityLayout.Simulator, Fps = 5 });

        Assert.Equal([0.0, 3.0, 6.0], data.Labels);
        Assert.Equal(
            [Under("data/IMG/center_2016_12_01_13_30_49_000.jpg"), Under("data/IMG/center_2016_12_01_13_30_49_200.jpg"), Under("data/IMG/center_2016_12_01_13_30_49_400.jpg")],
            Paths(data));
    }

    [Fact]
    public void Udacity_Flip_IsRefused_BecauseAMirroredRoadNeedsTheOppositeAngle()
    {
        WriteChallenge(".", [Row(T0, "center_camera", "center", 0.5)]);

        var error = Assert.Throws<NonaException>(() => Load(new UdacityDatasetFactory(), new UdacityOptions { Augment = true, Flip = true }));

        Assert.Contains("datasets[0].flip", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void RsnaBoneAge_ReadsTrueFalseInAnyCase_FromTheDoubledOrSingleImageFolder(bool doubled)
    {
        var images = doubled ? "boneage-training-dataset/boneage-training-dataset" : "boneage-training-dataset";
        foreach (var id in new[] { 1377, 1378, 1379 })
            WritePng($"{images}/{id}.png");
        _root.Write("boneage-training-dataset.csv", "id,boneage,male\r\n1377,180,False\r\n1378,12,TRUE\r\n1379,94,FALSE\r\n");

        var all = Load(new RsnaBoneAgeDatasetFactory(), new RsnaBoneAgeOptions());
        var boys = Load(new RsnaBoneAgeDatasetFactory(), new RsnaBoneAgeOptions { Sex = BoneAgeSex.Male });

        Assert.Equal([180.0, 12.0, 94.0], all.Labels);
        Assert.Equal([Under($"{images}/1377.png"), Under($"{images}/1378.png"), Under($"{images}/1379.png")], Paths(all));
        Assert.Equal([12.0], boys.Labels);
    }

    [Fact]
    public void Houses_SplitsOnRunsOfSpaces_KeepsFractionalBathrooms_AndLabelsLogPrice()
    {
        _root.Write("Houses Dataset/HousesInfo.txt", "4 4 4053 85255 869500\n3 2.5 1808 96019  219800\n3 3.5 4143 85266 925000\n");
        foreach (var n in new[] { 1, 2, 3 })
        {
            WriteJpeg($"Houses Dataset/{n}_frontal.jpg");
            WriteJpeg($"Houses Dataset/{n}_kitchen.jpg");
        }

        var frontal = Load(new HousesDatasetFactory(), new HousesOptions());
        var kitchen = Load(new HousesDatasetFactory(), new HousesOptions { Photo = HousePhoto.Kitchen, LabelTransform = LabelTransform.None });

        Assert.Equal([Math.Log(869500), Math.Log(219800), Math.Log(925000)], frontal.Labels);
        Assert.Equal([Under("Houses Dataset/1_frontal.jpg"), Under("Houses Dataset/2_frontal.jpg"), Under("Houses Dataset/3_frontal.jpg")], Paths(frontal));
        Assert.Equal([869500.0, 219800.0, 925000.0], kitchen.Labels);
        Assert.Equal(Under("Houses Dataset/2_kitchen.jpg"), Paths(kitchen)[1]);
    }

    [Fact]
    public void MedSegBench_Uint8ImagesAreScaledBy255_AndTheLabelIsTheMaskAreaFraction()
    {
        // 16×16 images; masks cover 0, 64 and 256 pixels (train), 32 pixels (val), 128 pixels (test).
        WriteNpz("brifiseg_256.npz", new Dictionary<string, byte[]>
        {
            ["train_images.npy"] = Npy("|u1", [3, 16, 16], Pixels(3, 16 * 16, (n, i) => (byte)((n * 80) + (i % 7)))),
            ["train_label.npy"] = Npy("|u1", [3, 16, 16], Masks(16 * 16, 0, 64, 256)),
            ["val_images.npy"] = Npy("|u1", [1, 16, 16], Pixels(1, 16 * 16, (_, _) => 255)),
            ["val_label.npy"] = Npy("|u1", [1, 16, 16], Masks(16 * 16, 32)),
            ["test_images.npy"] = Npy("|u1", [1, 16, 16], Pixels(1, 16 * 16, (_, _) => 51)),
            ["test_label.npy"] = Npy("|u1", [1, 16, 16], Masks(16 * 16, 128)),
            ["train_images_C1.npy"] = Npy("|u1", [1, 16, 16], new byte[16 * 16]),
        });

        var all = Load(new MedSegBenchDatasetFactory(), new MedSegBenchOptions { ImageSize = 16 });
        var test = Load(new MedSegBenchDatasetFactory(), new MedSegBenchOptions { ImageSize = 16, Splits = MedSegBenchSplits.Test });

        Assert.Equal([0.0, 0.25, 1.0, 0.125, 0.5], all.Labels);
        Assert.Equal([0.5], test.Labels);
        using var batch = all.Inputs.Batch([1, 3, 4], ScalarType.Float32, CPU);
        Assert.Equal([3, 3, 16, 16], batch.Values.shape);
        Assert.Equal((80 + 5) / 255f, batch.Values[0, 0, 0, 5].ToSingle(), 5);  // train image 1, pixel 5, repeated to RGB
        Assert.Equal((80 + 5) / 255f, batch.Values[0, 2, 0, 5].ToSingle(), 5);
        Assert.Equal(1f, batch.Values[1].min().ToSingle(), 5);
        Assert.Equal(0.2f, batch.Values[2].max().ToSingle(), 5);
    }

    [Fact]
    public void MedSegBench_ChannelLastFloatImagesOutsideUnitRange_AreMinMaxScaled_FromAVersion2Header()
    {
        var values = new double[2 * 16 * 16];
        values[0] = -100;
        values[^1] = 300;
        var bytes = new byte[values.Length * 8];
        for (var i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(i * 8), values[i]);
        WriteNpz("float.npz", new Dictionary<string, byte[]>
        {
            ["train_images.npy"] = Npy("<f8", [2, 16, 16, 1], bytes, version: 2),
            ["train_label.npy"] = Npy("|b1", [2, 16, 16, 1], Masks(16 * 16, 16, 0)),
        });

        var data = Load(new MedSegBenchDatasetFactory(), new MedSegBenchOptions { File = "float.npz", Splits = MedSegBenchSplits.Train, ImageSize = 16 });

        Assert.Equal([16.0 / 256, 0.0], data.Labels);
        using var batch = data.Inputs.Batch([0, 1], ScalarType.Float32, CPU);
        Assert.Equal(0f, batch.Values[0, 0, 0, 0].ToSingle(), 5);
        Assert.Equal(0.25f, batch.Values[0, 0, 0, 1].ToSingle(), 5);   // 0 → (0 + 100) / 400
        Assert.Equal(1f, batch.Values[1, 0, 15, 15].ToSingle(), 5);
        Assert.Contains(data.Notes, note => note.Contains("f8", StringComparison.Ordinal));
    }

    [Fact]
    public void Npy_FortranOrderArraysAreReadInRowMajorOrder()
    {
        // [[1, 2, 3], [4, 5, 6]] stored column-major: 1 4 2 5 3 6.
        var bytes = new byte[] { 1, 4, 2, 5, 3, 6 };
        using var stream = new MemoryStream(Npy("|u1", [2, 3], bytes, fortran: true));

        var array = Nona.Plugins.Vision.Datasets.Npy.Read(stream, "test");

        Assert.Equal([2L, 3L], array.Shape);
        Assert.Equal([1f, 2f, 3f, 4f, 5f, 6f], array.Values);
    }

    [Theory]
    [InlineData("udacity")]
    [InlineData("rsna-bone-age")]
    [InlineData("houses")]
    [InlineData("medsegbench")]
    public void MissingDataFolder_SaysWhatIsNeeded_AndHowToPointDataRootAtIt(string name)
    {
        var missing = Path.Combine(_root.Path, "not-downloaded");
        IPluginFactory factory = name switch
        {
            "udacity" => new UdacityDatasetFactory(),
            "rsna-bone-age" => new RsnaBoneAgeDatasetFactory(),
            "houses" => new HousesDatasetFactory(),
            _ => new MedSegBenchDatasetFactory(),
        };

        var error = Assert.ThrowsAny<NonaException>(() => factory.Create(Activator.CreateInstance(factory.OptionsType)!, Context(missing)));

        Assert.Contains("--set data.root=", error.Message, StringComparison.Ordinal);
        Assert.Contains("recipe.yaml: datasets[0]", error.Message, StringComparison.Ordinal);
        Assert.Contains("http", error.Message, StringComparison.Ordinal);
    }

    private DatasetData Load(IPluginFactory factory, object options) =>
        ((IDataset)factory.Create(options, Context(_root.Path))).Load(CancellationToken.None);

    private static PluginContext Context(string root) => new()
    {
        DataRoot = root,
        RecipePath = "recipe.yaml",
        RecipeKey = "datasets[0]",
        Seed = 7,
        Weights = new NoWeights(),
        Tables = new CsvTableReader(),
        Plugins = new NoPlugins(),
    };

    private static string[] Paths(DatasetData data) => [.. ((ImageInputs)data.Inputs).Paths];

    private string Under(string relative) => Path.GetFullPath(Path.Combine(_root.Path, relative));

    private string Frame(string folder, long time) => Under($"{folder}/{time}.jpg");

    private static (long Time, string FrameId, string Folder, double Angle) Row(long time, string frameId, string folder, double angle) =>
        (time, frameId, folder, angle);

    // bagdump.py's interpolated.csv: a pandas datetime index, then the camera row with its interpolated steering report.
    private void WriteChallenge(string recording, IEnumerable<(long Time, string FrameId, string Folder, double Angle)> rows)
    {
        var text = new StringBuilder("index,timestamp,width,height,frame_id,filename,angle,torque,speed,lat,long,alt\n");
        foreach (var (time, frameId, folder, angle) in rows)
        {
            var index = DateTime.UnixEpoch.AddTicks(time / 100).ToString("yyyy-MM-dd HH:mm:ss.fffffff", CultureInfo.InvariantCulture);
            text.Append(CultureInfo.InvariantCulture, $"{index},{time},640,480,{frameId},{folder}/{time}.jpg,{angle.ToString("R", CultureInfo.InvariantCulture)},0.184196478801,4.50321225868,37.399734,-122.108154,-8.73\n");
            WriteJpeg($"{recording}/{folder}/{time}.jpg");
        }

        _root.Write($"{recording}/interpolated.csv", text.ToString());
    }

    private void WriteJpeg(string relative)
    {
        var path = Under(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var image = new Image<Rgb24>(8, 6, new Rgb24(90, 120, 150));
        image.SaveAsJpeg(path);
    }

    private void WritePng(string relative)
    {
        var path = Under(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var image = new Image<L8>(10, 12, new L8(128));
        image.SaveAsPng(path);
    }

    private void WriteNpz(string name, Dictionary<string, byte[]> arrays)
    {
        using var zip = ZipFile.Open(Under(name), ZipArchiveMode.Create);
        foreach (var (entry, bytes) in arrays)
        {
            using var stream = zip.CreateEntry(entry, CompressionLevel.Fastest).Open();
            stream.Write(bytes);
        }
    }

    // numpy/lib/format.py: magic, version, little-endian header length, a dict literal padded with spaces to a
    // multiple of 64 bytes and ended by '\n', then the raw data.
    private static byte[] Npy(string descr, long[] shape, byte[] data, int version = 1, bool fortran = false)
    {
        var dims = shape.Length == 1 ? $"{shape[0]}," : string.Join(", ", shape);
        var dict = $"{{'descr': '{descr}', 'fortran_order': {(fortran ? "True" : "False")}, 'shape': ({dims}), }}";
        var prefix = version == 1 ? 10 : 12;
        var padded = dict.PadRight(((prefix + dict.Length + 1 + 63) / 64 * 64) - prefix - 1) + "\n";
        using var stream = new MemoryStream();
        stream.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', (byte)version, 0]);
        var length = new byte[version == 1 ? 2 : 4];
        if (version == 1)
            BinaryPrimitives.WriteUInt16LittleEndian(length, (ushort)padded.Length);
        else
            BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)padded.Length);
        stream.Write(length);
        stream.Write(Encoding.Latin1.GetBytes(padded));
        stream.Write(data);
        return stream.ToArray();
    }

    private static byte[] Pixels(int count, int size, Func<int, int, byte> value)
    {
        var bytes = new byte[count * size];
        for (var n = 0; n < count; n++)
        {
            for (var i = 0; i < size; i++)
                bytes[(n * size) + i] = value(n, i);
        }

        return bytes;
    }

    // Mask n has its first foreground[n] pixels set to 1 (MedSegBench stores binary masks as 0/1).
    private static byte[] Masks(int size, params int[] foreground)
    {
        var bytes = new byte[foreground.Length * size];
        for (var n = 0; n < foreground.Length; n++)
            bytes.AsSpan(n * size, foreground[n]).Fill(1);
        return bytes;
    }


}
