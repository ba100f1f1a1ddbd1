using System.Globalization;
using System.Runtime.Intrinsics.X86;
using Nona.Tests.Support;
using Xunit;

namespace Nona.Tests.Units;

/// <summary>
/// The run log: log.csv has one line per epoch of every training run, and the TensorBoard event files hold the same
/// numbers in TensorBoard's format — TFRecord framing (length, masked CRC32C of the length, an Event protobuf,
/// masked CRC32C of it), checked here byte by byte with our own CRC32C.
/// </summary>
public sealed class RunLogTests
{
    [Fact]
    public void Every_epoch_is_in_log_csv_and_in_valid_tensorboard_events_with_the_same_numbers()
    {
        using var folder = new TempFolder();
        var run = Path.Combine(folder.Path, "run");
        var (code, _, errors) = Cli.Run("run", ResumeTests.Recipe, "--out", run, "--set", "evaluation.splits=1");
        Assert.True(code == 0, errors);

        var log = File.ReadAllLines(Path.Combine(run, "log.csv"));
        Assert.Equal("dataset,method,split,epoch,train_loss,val_mse_scaled,lr,seconds,samples_per_second,pid", log[0]);
        var lines = log.Skip(1).Select(l => l.Split(',')).ToList();
        Assert.Equal(lines.Count(l => l[1] == "dense"), lines.Where(l => l[1] == "dense").Max(l => int.Parse(l[3], CultureInfo.InvariantCulture)));
        Assert.True(lines.Count(l => l[1] == "nona") >= 2);

        var curves = File.ReadAllBytes(Path.Combine(run, "learning-curves-spiral.png"));
        Assert.Equal([0x89, 0x50, 0x4E, 0x47], curves[..4]); // a PNG, in the report
        Assert.Contains("Learning curves: spiral", File.ReadAllText(Path.Combine(run, "report.html")), StringComparison.Ordinal);

        var events = Directory.GetFiles(Path.Combine(run, "tensorboard"), "events.out.tfevents.*");
        var file = Assert.Single(events);
        var scalars = ReadScalars(File.ReadAllBytes(file));
        foreach (var line in lines)
        {
            var prefix = $"{line[0]}/split-{line[2]}/{line[1]}";
            var epoch = int.Parse(line[3], CultureInfo.InvariantCulture);
            Assert.Equal((float)double.Parse(line[4], CultureInfo.InvariantCulture), scalars[($"{prefix}/train_loss", epoch)]);
            Assert.Equal((float)double.Parse(line[5], CultureInfo.InvariantCulture), scalars[($"{prefix}/val_mse_scaled", epoch)]);
        }
    }

    private static Dictionary<(string Tag, long Step), float> ReadScalars(byte[] bytes)
    {
        var scalars = new Dictionary<(string, long), float>();
        var at = 0;
        var records = 0;
        while (at < bytes.Length)
        {
            var length = BitConverter.ToUInt64(bytes, at);
            Assert.Equal(MaskedCrc(bytes.AsSpan(at, 8)), BitConverter.ToUInt32(bytes, at + 8));
            var data = bytes.AsSpan(at + 12, (int)length);
            Assert.Equal(MaskedCrc(data), BitConverter.ToUInt32(bytes, at + 12 + (int)length));
            var evnt = Tensorboard.Event.Parser.ParseFrom(data.ToArray());
            if (records == 0)
                Assert.Equal("brain.Event:2", evnt.FileVersion);
            foreach (var value in evnt.Summary?.Value ?? [])
                scalars[(value.Tag, evnt.Step)] = value.SimpleValue;
            at += 12 + (int)length + 4;
            records++;
        }

        return scalars;
    }

    // TFRecord's checksum: CRC32C (Castagnoli), rotated right by 15 and offset by 0xa282ead8.
    private static uint MaskedCrc(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
            crc = Sse42.IsSupported ? Sse42.Crc32(crc, b) : Crc32CByte(crc, b);
        crc ^= 0xFFFFFFFFu;
        return unchecked(((crc >> 15) | (crc << 17)) + 0xa282ead8u);
    }

    private static uint Crc32CByte(uint crc, byte b)
    {
        crc ^= b;
        for (var k = 0; k < 8; k++)
            crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
        return crc;
    }
}
