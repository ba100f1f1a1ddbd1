// Udacity steering angles, in the two layouts users have (see docs/datasets.md):
//  - Challenge 2 (github.com/udacity/self-driving-car, datasets/CH2) exported from its ROS bags by
//    rwightman/udacity-driving-reader's bagdump.py: one folder per recording with interpolated.csv and center/ left/ right/.
//  - The simulator (github.com/udacity/self-driving-car-sim, CarController.cs): driving_log.csv without a header
//    (center,left,right,steering,throttle,brake,speed) and IMG/, the paths written absolute on the recording machine.
using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Nona.Abstractions;
using Nona.Plugins.Vision.Pipeline;

namespace Nona.Plugins.Vision.Datasets;

/// <summary>Which export of the Udacity data a folder holds.</summary>
public enum UdacityLayout
{
    /// <summary>Whichever file is there: interpolated.csv (challenge) or driving_log.csv (simulator).</summary>
    Auto,

    /// <summary>Challenge 2 exported by udacity-driving-reader: interpolated.csv, center/*.jpg.</summary>
    Challenge,

    /// <summary>The simulator's recording: driving_log.csv, IMG/*.jpg.</summary>
    Simulator,
}

/// <summary>Options of the <c>udacity</c> dataset.</summary>
public sealed class UdacityOptions : ImageOptions
{
    /// <summary>The export's layout.</summary>
    [Description("auto, challenge (interpolated.csv) or simulator (driving_log.csv)")]
    public UdacityLayout Layout { get; set; } = UdacityLayout.Auto;

    /// <summary>The folder holding the csv, or one subfolder per recording, relative to data.root.</summary>
    [Description("folder with interpolated.csv / driving_log.csv, or with one subfolder per recording; relative to data.root")]
    public string Folder { get; set; } = ".";

    /// <summary>Frames per second to keep; 0 keeps every frame. The paper used 4 (6,762 Challenge 2 frames).</summary>
    [Description("frames per second to keep (0: all); a frame is kept when it starts a new 1/fps-second slot")]
    [Range(0.0, 1000.0)]
    public double Fps { get; set; }

    /// <summary>
    /// Recording rate of a simulator log whose image names carry no time stamp. The simulator samples every
    /// 1/15 s (CarController.Sample waits 0.0667 s), so fps subsampling keeps every round(15/fps)-th row.
    /// </summary>
    [Description("recording rate of simulator logs without time stamps in the image names (the simulator records at 15)")]
    [Range(0.001, 1000.0)]
    public double SimulatorFps { get; set; } = 15;

    /// <summary>Bad-row policy for the csv.</summary>
    [Description("fail or skip csv rows with unusable cells (skipped rows are counted and reported)")]
    public BadRowPolicy OnBadRow { get; set; } = BadRowPolicy.Fail;
}

/// <summary>Steering angles from Udacity's Challenge 2 export or its simulator, center camera only.</summary>
[NonaPlugin("udacity", PluginKind.Dataset, Description = "Udacity steering angles: Challenge 2 interpolated.csv or simulator driving_log.csv")]
public sealed class UdacityDatasetFactory : PluginFactory<UdacityOptions, IDataset>
{
    internal const string ChallengeFile = "interpolated.csv";
    internal const string SimulatorFile = "driving_log.csv";

    /// <inheritdoc />
    protected override IDataset Create(UdacityOptions options, PluginContext context)
    {
        var where = context.Where;
        options.Validate(where);
        if (options.Flip)
            throw new NonaException($"{where}.flip: a mirrored road needs the opposite steering angle, which flip does not give; remove flip");
        var folder = Path.GetFullPath(options.Folder, Path.GetFullPath(context.DataRoot));
        var challenge = options.Layout != UdacityLayout.Simulator ? Find(folder, ChallengeFile) : [];
        var simulator = options.Layout != UdacityLayout.Challenge ? Find(folder, SimulatorFile) : [];
        if (challenge.Count == 0 && simulator.Count == 0)
            throw new NonaException($"{where}: the Udacity dataset needs {Needed(options.Layout)} under data.root, in {folder} or in its subfolders (one per recording); " +
                "get Challenge 2 from https://github.com/udacity/self-driving-car/tree/master/datasets/CH2 and export it with https://github.com/rwightman/udacity-driving-reader, " +
                "or record driving_log.csv with https://github.com/udacity/self-driving-car-sim; then pass --set data.root=DIR (and folder: if it sits below)");
        if (challenge.Count > 0 && simulator.Count > 0)
            throw new NonaException($"{where}: {folder} holds both {challenge[0]} and {simulator[0]}; set layout: challenge or layout: simulator");
        foreach (var log in simulator)
        {
            var images = Path.Combine(Path.GetDirectoryName(log)!, "IMG");
            if (!Directory.Exists(images))
                throw new NonaException($"{where}: {log} has no IMG/ folder beside it ({images}); the simulator writes the images there, copy it along");
        }

        return new UdacityDataset(options, challenge.Count > 0 ? UdacityLayout.Challenge : UdacityLayout.Simulator, challenge.Count > 0 ? challenge : simulator, context);
    }

    // The export's own folder, else each immediate subfolder: bagdump.py writes one folder per recording (HMB_1 … HMB_6).
    private static List<string> Find(string folder, string file)
    {
        if (!Directory.Exists(folder))
            return [];
        var here = Path.Combine(folder, file);
        if (File.Exists(here))
            return [here];
        return [.. Directory.EnumerateDirectories(folder)
            .Order(StringComparer.Ordinal)
            .Select(sub => Path.Combine(sub, file))
            .Where(File.Exists)];
    }

    private static string Needed(UdacityLayout layout) => layout switch
    {
        UdacityLayout.Challenge => "interpolated.csv (Challenge 2)",
        UdacityLayout.Simulator => "driving_log.csv (simulator)",
        _ => "interpolated.csv (Challenge 2) or driving_log.csv (simulator)",
    };
}

/// <summary>Reads every recording's center-camera frames and subsamples them by time.</summary>
public sealed partial class UdacityDataset(UdacityOptions options, UdacityLayout layout, IReadOnlyList<string> logs, PluginContext context) : IDataset
{
    private const int MaxReasons = 5;
    private const double NanosecondsPerSecond = 1e9;

    /// <summary>One center-camera frame: its image, its steering label and its time in ns (null when unknown).</summary>
    private readonly record struct Frame(string Image, double Angle, long? Time);

    /// <inheritdoc />
    public DatasetData Load(CancellationToken cancellationToken)
    {
        var notes = new List<string>();
        var paths = new List<string>();
        var labels = new List<double>();
        var read = 0;
        foreach (var log in logs)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var frames = layout == UdacityLayout.Challenge ? ReadChallenge(log, notes) : ReadSimulator(log, notes);
            read += frames.Count;
            foreach (var frame in Subsample(frames, log, notes))
            {
                paths.Add(frame.Image);
                labels.Add(frame.Angle);
            }
        }

        if (paths.Count == 0)
            throw new DataFormatException($"{string.Join(", ", logs)}: no center-camera frames to use");
        if (options.Fps > 0)
            notes.Add($"udacity: kept {paths.Count} of {read} center-camera frames ({options.Fps.ToString(CultureInfo.InvariantCulture)} fps) from {logs.Count} recording(s)");

        var (images, kept, imageNotes) = ImageRows.Keep("udacity", paths, labels, null, options, cancellationToken);
        notes.AddRange(imageNotes);
        return new DatasetData
        {
            Name = "udacity",
            Inputs = new ImageInputs(images, options) { AugmentationSeed = context.Seed },
            Labels = kept,
            Notes = notes,
        };
    }

    // interpolated.csv: every camera's frames with the steering report interpolated to their time stamps; the
    // angle is SteeringReport.steering_wheel_angle (rad) and the file names are relative to the csv's folder.
    private List<Frame> ReadChallenge(string log, List<string> notes)
    {
        var table = context.Tables.Read(new TableRequest
        {
            Path = log,
            DataRoot = Path.GetDirectoryName(log)!,
            LabelColumn = "angle",
            PathColumns = ["filename"],
            TextColumns = ["frame_id", "timestamp"],
            OnBadRow = options.OnBadRow,
        });
        notes.AddRange(table.SkipNotes(log));

        var frames = new List<Frame>();
        for (var i = 0; i < table.Labels.Length; i++)
        {
            if (!string.Equals(table.Text[i][0].Trim(), "center_camera", StringComparison.Ordinal))
                continue;
            var stamp = table.Text[i][1].Trim();
            if (!long.TryParse(stamp, NumberStyles.Integer, CultureInfo.InvariantCulture, out var time))
            {
                var problem = $"{log}:{table.SourceLines[i]}: column 'timestamp': not an integer number of nanoseconds ('{stamp}')";
                if (options.OnBadRow == BadRowPolicy.Fail)
                    throw new DataFormatException(problem + "; fix the file or set on_bad_row: skip");
                notes.Add(problem + " (skipped)");
                continue;
            }

            frames.Add(new Frame(table.Paths[i][0], table.Labels[i], time));
        }

        return frames;
    }

    // driving_log.csv: the simulator appends "{center},{left},{right},{steering},{throttle},{brake},{speed}" without a
    // header or quotes, the paths absolute on the recording machine; Udacity's sample data adds a header and relative
    // paths. Either way the image is IMG/<file name> beside the csv. Steering is the wheel angle over its maximum (-1..1).
    private List<Frame> ReadSimulator(string log, List<string> notes)
    {
        var images = Path.Combine(Path.GetDirectoryName(log)!, "IMG");
        var frames = new List<Frame>();
        var skipped = 0;
        var reasons = new List<string>();
        var number = 0;
        var first = true;
        foreach (var line in File.ReadLines(log, Encoding.UTF8))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
                continue;
            var fields = SplitCsvLine(line);
            var header = first && fields[0].Trim().Equals("center", StringComparison.OrdinalIgnoreCase);
            first = false;
            if (header)
                continue;

            var problem = ParseSimulatorRow(fields, images, out var frame);
            if (problem is null)
            {
                frames.Add(frame);
                continue;
            }

            problem = $"{log}:{number}: {problem}";
            if (options.OnBadRow == BadRowPolicy.Fail)
                throw new DataFormatException(problem + "; fix the file or set on_bad_row: skip");
            skipped++;
            if (reasons.Count < MaxReasons)
                reasons.Add(problem);
        }

        if (skipped > 0)
            notes.Add($"{log}: skipped {skipped} bad row(s), e.g. {string.Join("; ", reasons)}");
        return frames;
    }

    private static string? ParseSimulatorRow(string[] fields, string images, out Frame frame)
    {
        frame = default;
        if (fields.Length != 7)
            return $"{fields.Length} fields, but a simulator row has 7 (center,left,right,steering,throttle,brake,speed); a recording made where the decimal separator is a comma has more";
        var center = fields[0].Trim();
        var name = center[(center.LastIndexOfAny(['/', '\\']) + 1)..];
        if (name.Length == 0)
            return "column 'center': the image path is empty";
        var cell = fields[3].Trim();
        if (!double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var steering) || !double.IsFinite(steering))
            return $"column 'steering': not a number ('{cell}')";
        frame = new Frame(Path.Combine(images, name), steering, TimeOf(name));
        return null;
    }

    // The simulator names images center_yyyy_MM_dd_HH_mm_ss_fff.jpg with the local wall-clock time of the sample.
    private static long? TimeOf(string name)
    {
        var match = StampPattern().Match(name);
        if (!match.Success || !DateTime.TryParseExact(match.Groups[1].Value, "yyyy_MM_dd_HH_mm_ss_fff", CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
            return null;
        return time.Ticks * 100;
    }

    // A frame is kept when it is the first of a new 1/fps-second slot counted from the recording's first frame. This
    // keeps fps frames per second on average; "1/fps since the last kept frame" would drift low on jittery camera
    // clocks (a frame 249.9 ms after the last one waits for the next, 300 ms after). Time running backwards (a clock
    // change in the simulator's local-time names) restarts the count.
    private IEnumerable<Frame> Subsample(List<Frame> frames, string log, List<string> notes)
    {
        if (options.Fps <= 0)
            return frames;
        if (frames.Any(f => f.Time is null))
        {
            var every = Math.Max(1, (int)Math.Round(options.SimulatorFps / options.Fps));
            notes.Add($"{log}: image names carry no time stamps; kept every {every}th row (simulator_fps {options.SimulatorFps.ToString(CultureInfo.InvariantCulture)} / fps {options.Fps.ToString(CultureInfo.InvariantCulture)})");
            return frames.Where((_, i) => i % every == 0);
        }

        var period = NanosecondsPerSecond / options.Fps;
        var kept = new List<Frame>();
        long origin = 0;
        long last = long.MinValue;
        long slot = -1;
        foreach (var frame in frames)
        {
            var time = frame.Time!.Value;
            if (kept.Count == 0 || time < last)
            {
                origin = time;
                slot = 0;
            }
            else
            {
                var next = (long)Math.Floor((time - origin) / period);
                if (next <= slot)
                    continue;
                slot = next;
            }

            last = time;
            kept.Add(frame);
        }

        return kept;
    }

    // RFC 4180 fields of one line (quoted fields may hold commas and doubled quotes); rows never span lines here.
    private static string[] SplitCsvLine(string line)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c != '"')
                    field.Append(c);
                else if (i + 1 < line.Length && line[i + 1] == '"')
                    field.Append(line[++i]);
                else
                    quoted = false;
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else
            {
                field.Append(c);
            }
        }

        fields.Add(field.ToString());
        return [.. fields];
    }

    [GeneratedRegex(@"_(\d{4}_\d{2}_\d{2}_\d{2}_\d{2}_\d{2}_\d{3})\.[A-Za-z]+$")]
    private static partial Regex StampPattern();
}
