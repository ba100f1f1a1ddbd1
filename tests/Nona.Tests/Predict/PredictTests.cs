using System.Globalization;
using System.Text;
using Nona.Abstractions;
using Nona.Host.Cli;
using Nona.Tests.Support;
using Xunit;

namespace Nona.Tests.Predict;

/// <summary>
/// <c>nona predict</c> end to end: the run's own test rows give results.csv's numbers to the last bit; new inputs
/// through <c>--data</c> (a table of files or values, read by the modality's <c>*-csv</c> plugin with the run's
/// preprocessing) predict what <c>--dataset</c> predicts for the same samples; bad inputs give one line.
/// </summary>
public sealed partial class PredictTests(PredictTests.Runs runs) : IClassFixture<PredictTests.Runs>
{
    [Fact]
    public void The_runs_own_test_rows_give_its_test_mse_to_the_last_bit()
    {
        var run = runs.Vector;
        using var folder = new TempFolder();
        foreach (var split in new[] { 0, 1 })
        {
            var output = Path.Combine(folder.Path, $"test-{split}.csv");
            var (code, _, errors) = Cli.Run("predict", run, "--test", "--split", $"{split}", "--method", "nona", "--out", output);
            Assert.True(code == 0, errors);
            var rows = ReadPredictions(output);
            var mse = rows.Average(r => (r.Prediction - r.Label) * (r.Prediction - r.Label));
            var expected = File.ReadAllLines(Path.Combine(run, "results.csv")).Select(l => l.Split(',')).Single(c => c[0] == "spiral" && c[1] == "nona" && c[2] == $"{split}")[5];
            Assert.Equal(expected, Sum(rows).ToString("R", CultureInfo.InvariantCulture));
            Assert.True(mse > 0);
        }
    }

    [Theory]
    [InlineData("nona+knn")]
    [InlineData("dense+knn")]
    public void The_two_stage_regressor_saved_with_the_head_gives_the_runs_knn_rows_to_the_last_bit(string method)
    {
        var run = runs.Vector;
        using var folder = new TempFolder();
        foreach (var split in new[] { 0, 1 })
        {
            var output = Path.Combine(folder.Path, $"{method}-{split}.csv");
            var (code, text, errors) = Cli.Run("predict", run, "--test", "--split", $"{split}", "--method", method, "--out", output);
            Assert.True(code == 0, errors);
            var rows = ReadPredictions(output);
            Assert.All(File.ReadAllLines(output).Skip(1), l => Assert.Equal(method, l.Split(',')[1]));
            var expected = File.ReadAllLines(Path.Combine(run, "results.csv")).Select(l => l.Split(',')).Single(c => c[0] == "spiral" && c[1] == method && c[2] == $"{split}");
            Assert.Equal(expected[5], Sum(rows).ToString("R", CultureInfo.InvariantCulture));
            // The scaled MSE predict reports equals the run's mse_scaled (read from results.csv) to the digits shown.
            var reported = ScaledMse().Match(text);
            Assert.True(reported.Success, text);
            Assert.Equal(reported.Groups[1].Value, reported.Groups[2].Value);
        }

        // A k-NN regressor does not predict what its head predicts: the rows really come from the regressor.
        var headOutput = Path.Combine(folder.Path, "head.csv");
        Assert.Equal(0, Cli.Run("predict", run, "--test", "--split", "0", "--method", method.Replace("+knn", "", StringComparison.Ordinal), "--out", headOutput).Code);
        Assert.NotEqual(ReadPredictions(headOutput).Select(r => r.Prediction), ReadPredictions(Path.Combine(folder.Path, $"{method}-0.csv")).Select(r => r.Prediction));
    }

    [Fact]
    public void Model_json_records_the_two_stage_regressor_plugin_options_and_fit()
    {
        var run = runs.Vector;
        var folder = Path.Combine(run, "models", "spiral", "split-1", "nona");
        Assert.True(File.Exists(Path.Combine(folder, "two-stage.bin")));
        using var model = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "model.json")));
        var twoStage = model.RootElement.GetProperty("two_stage");
        Assert.Equal("nona+knn", twoStage.GetProperty("method").GetString());
        Assert.Equal("knn", twoStage.GetProperty("plugin").GetString());
        Assert.Equal("two-stage.bin", twoStage.GetProperty("file").GetString());
        var options = twoStage.GetProperty("options");
        Assert.Equal([3, 5, 7], options.GetProperty("k").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(["uniform", "distance"], options.GetProperty("weights").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(5, options.GetProperty("folds").GetInt32());

        // What was fitted is what run.json says the run's nona+knn row of split 1 used.
        using var info = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "run.json")));
        var fitted = info.RootElement.GetProperty("regressors").EnumerateArray()
            .Single(r => r.GetProperty("method").GetString() == "nona+knn" && r.GetProperty("split").GetInt32() == 1).GetProperty("fitted").GetString();
        Assert.Equal(fitted, twoStage.GetProperty("fitted").GetString());
    }

    [Fact]
    public void Predicting_every_split_gives_the_mean_and_spread_of_the_splits()
    {
        using var folder = new TempFolder();
        var output = Path.Combine(folder.Path, "all.csv");
        var (code, _, errors) = Cli.Run("predict", runs.Vector, "--dataset", "{name: synthetic, target: spiral, n: 30, noise: 0.1, seed: 5}", "--out", output);
        Assert.True(code == 0, errors);
        var lines = File.ReadAllLines(output);
        Assert.Equal("row,method,splits,prediction,sd,label,prediction_split_0,prediction_split_1", lines[0]);
        Assert.Equal(31, lines.Length);
        foreach (var cells in lines.Skip(1).Select(l => l.Split(',')))
        {
            var (mean, sd, a, b) = (Parse(cells[3]), Parse(cells[4]), Parse(cells[6]), Parse(cells[7]));
            Assert.Equal((a + b) / 2, mean, 12);
            Assert.Equal(Math.Abs(a - b) / Math.Sqrt(2), sd, 12);
        }
    }

    [Theory]
    [InlineData("vector")]
    [InlineData("image")]
    [InlineData("text")]
    [InlineData("audio")]
    public void A_table_of_new_inputs_predicts_what_the_same_samples_predict_as_a_dataset(string modality)
    {
        var (run, entry, tolerance, options) = modality switch
        {
            "vector" => (runs.Vector, "{name: synthetic, target: spiral, n: 25, noise: 0.1, seed: 77}", 0.0, Array.Empty<string>()),
            "image" => (runs.Images, "{name: shapes, n: 16, size: 32, seed: 99, image_size: 32}", 0.02, []), // shapes stretch whole frames: the table gets resize 0 without being told
            "text" => (runs.Text, "{name: numbers, n: 20, seed: 77}", 0.0, []),
            _ => (runs.Audio, "{name: tones, n: 12, seconds: 1, seed: 77}", 0.02, []),
        };
        using var folder = new TempFolder();
        var table = WriteTable(run, entry, modality, folder.Path);

        var fromDataset = Path.Combine(folder.Path, "dataset.csv");
        var (code, _, errors) = Cli.Run("predict", run, "--dataset", entry, "--split", "0", "--out", fromDataset);
        Assert.True(code == 0, errors);
        var fromTable = Path.Combine(folder.Path, "table.csv");
        (code, _, errors) = Cli.Run(["predict", run, "--data", table, "--split", "0", "--out", fromTable, .. options]);
        Assert.True(code == 0, errors);

        var expected = ReadPredictions(fromDataset);
        var actual = ReadPredictions(fromTable);
        Assert.Equal(expected.Count, actual.Count);
        var range = expected.Max(r => r.Label) - expected.Min(r => r.Label);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Label, actual[i].Label, 6);
            Assert.True(Math.Abs(expected[i].Prediction - actual[i].Prediction) <= tolerance * range, $"row {i}: {expected[i].Prediction} from the dataset, {actual[i].Prediction} from the table");
        }
    }

    [Fact]
    public void A_table_without_labels_predicts_and_says_so()
    {
        using var folder = new TempFolder();
        var table = Path.Combine(folder.Path, "new.csv");
        File.WriteAllText(table, "x0,x1\n0.1,0.2\n-0.5,0.7\n");
        var output = Path.Combine(folder.Path, "p.csv");
        var (code, text, errors) = Cli.Run("predict", runs.Vector, "--data", table, "--out", output);
        Assert.True(code == 0, errors);
        Assert.Contains("the rows have no labels", text, StringComparison.Ordinal);
        Assert.All(File.ReadAllLines(output).Skip(1), l => Assert.Equal("", l.Split(',')[5]));
    }

    [Fact]
    public void Rows_skipped_under_on_bad_image_skip_are_reported_not_dropped_silently()
    {
        using var folder = new TempFolder();
        using (var picture = new SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24>(32, 32))
            SixLabors.ImageSharp.ImageExtensions.SaveAsPng(picture, Path.Combine(folder.Path, "good.png"));
        File.WriteAllText(Path.Combine(folder.Path, "broken.png"), "not a picture");
        var table = Path.Combine(folder.Path, "images.csv");
        File.WriteAllText(table, "image,label\nbroken.png,0.1\ngood.png,0.2\n");
        var output = Path.Combine(folder.Path, "p.csv");
        var (code, text, errors) = Cli.Run("predict", runs.Images, "--data", table, "--split", "0", "--data-option", "on_bad_image=skip", "--out", output);
        Assert.True(code == 0, errors);
        Assert.Contains("skipped 1", text, StringComparison.Ordinal);
        Assert.Contains("broken.png", text, StringComparison.Ordinal);
        Assert.Equal(2, File.ReadAllLines(output).Length); // the header and the one readable image
    }

    [Fact]
    public void Bad_inputs_give_one_line_and_write_nothing()
    {
        using var folder = new TempFolder();
        var output = Path.Combine(folder.Path, "out", "p.csv");
        var noFeature = Path.Combine(folder.Path, "narrow.csv");
        File.WriteAllText(noFeature, "x0,label\n0.1,0.5\n");
        var badImage = Path.Combine(folder.Path, "bad.png");
        File.WriteAllText(badImage, "not a picture");
        var images = Path.Combine(folder.Path, "images.csv");
        File.WriteAllText(images, "image,label\nbad.png,0.5\n");
        var missingColumn = Path.Combine(folder.Path, "nocolumn.csv");
        File.WriteAllText(missingColumn, "file,label\nbad.png,0.5\n");

        (string[] Args, string Says)[] cases =
        [
            (["predict", Path.Combine(folder.Path, "nowhere"), "--test", "--split", "0", "--out", output], "no such run folder"),
            (["predict", runs.Vector, "--dataset", "{name: shapes, n: 12}", "--out", output], "the model reads vector inputs"),
            (["predict", runs.Vector, "--data", noFeature, "--out", output], "x1"),
            (["predict", runs.Images, "--data", missingColumn, "--split", "0", "--out", output], "image"),
            (["predict", runs.Images, "--data", images, "--split", "0", "--out", output], "bad.png"),
            (["predict", runs.Vector, "--test", "--out", output], "--split K"),
            (["explain", runs.Vector, "--test", "--split", "0", "--top", "0", "--out", Path.Combine(folder.Path, "e")], "--top 0"),
        ];
        foreach (var (args, says) in cases)
        {
            var (code, _, errors) = Cli.Run(args);
            Assert.NotEqual(0, code);
            var lines = errors.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.True(lines.Length == 1, $"{string.Join(' ', args)}: {errors}");
            Assert.Contains(says, lines[0], StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", errors, StringComparison.Ordinal); // no stack trace
        }

        Assert.False(Directory.Exists(Path.Combine(folder.Path, "out")));
        Assert.False(Directory.Exists(Path.Combine(folder.Path, "e")));
    }

    internal static List<(int Row, double Prediction, double Label)> ReadPredictions(string path) =>
        [.. File.ReadAllLines(path).Skip(1).Select(l => l.Split(',')).Select(c => (int.Parse(c[0], CultureInfo.InvariantCulture), Parse(c[3]), c[5].Length == 0 ? double.NaN : Parse(c[5])))];

    private static double Parse(string cell) => double.Parse(cell, CultureInfo.InvariantCulture);

    // Inference.Mse's own summation order, so the bits match results.csv's `mse` column.
    private static double Sum(List<(int Row, double Prediction, double Label)> rows)
    {
        double sum = 0;
        foreach (var r in rows)
            sum += (r.Prediction - r.Label) * (r.Prediction - r.Label);
        return sum / rows.Count;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"MSE×10³ \(scaled, as results\.csv\) ([0-9.]+); the run's test MSE×10³ ([0-9.]+)")]
    private static partial System.Text.RegularExpressions.Regex ScaledMse();

    // The samples of `entry` written as a table the modality's *-csv plugin reads: values, texts, or files (the
    // previews: images and clips as the model sees them).
    private static string WriteTable(string run, string entry, string modality, string folder)
    {
        var recipe = Path.Combine(run, "models", Directory.GetDirectories(Path.Combine(run, "models")).Select(Path.GetFileName).Single()!, "split-0", "nona", "recipe.yaml");
        var catalog = HostSetup.Catalog([]);
        var (loaded, builder) = HostSetup.Recipe(recipe, [$"datasets=[{entry}]"], catalog);
        var spec = loaded.Datasets[0];
        var data = builder.Create<IDataset>(spec, builder.Context(spec.Key, 0, TorchSharp.torch.ScalarType.Float32)).Load(CancellationToken.None);
        var text = new StringBuilder();
        for (var i = 0; i < data.Labels.Length; i++)
        {
            var label = data.Labels[i].ToString("R", CultureInfo.InvariantCulture);
            switch (data.Inputs.Preview(i))
            {
                case VectorPreview v:
                    if (i == 0)
                        text.Append(string.Join(',', v.Values.Select((_, j) => $"x{j}"))).Append(",label\n");
                    text.Append(string.Join(',', v.Values.Select(x => x.ToString("R", CultureInfo.InvariantCulture)))).Append(',').Append(label).Append('\n');
                    break;
                case TextPreview t:
                    if (i == 0)
                        text.Append("text,label\n");
                    text.Append('"').Append(t.Text.Replace("\"", "\"\"", StringComparison.Ordinal)).Append("\",").Append(label).Append('\n');
                    break;
                case ImagePreview p:
                    if (i == 0)
                        text.Append("image,label\n");
                    File.WriteAllBytes(Path.Combine(folder, $"{i}.png"), p.Png);
                    text.Append(CultureInfo.InvariantCulture, $"{i}.png,{label}\n");
                    break;
                case AudioPreview a:
                    if (i == 0)
                        text.Append("audio,label\n");
                    File.WriteAllBytes(Path.Combine(folder, $"{i}.wav"), a.Wav);
                    text.Append(CultureInfo.InvariantCulture, $"{i}.wav,{label}\n");
                    break;
                default:
                    throw new InvalidOperationException($"{modality}: sample {i} has no preview");
            }
        }

        var table = Path.Combine(folder, "inputs.csv");
        File.WriteAllText(table, text.ToString());
        return table;
    }

    /// <summary>One small run per modality, trained once for the whole class.</summary>
    public sealed class Runs : IDisposable
    {
        private readonly TempFolder folder = new();
        private readonly Lazy<string> vector;
        private readonly Lazy<string> images;
        private readonly Lazy<string> text;
        private readonly Lazy<string> audio;

        public Runs()
        {
            vector = new(() => Train("resume/small.yaml", "vector"));
            images = new(() => Train("gc-stress/images.yaml", "images"));
            text = new(() => Train("gc-stress/text.yaml", "text"));
            audio = new(() => Train("gc-stress/audio.yaml", "audio"));
        }

        public string Vector => vector.Value;

        public string Images => images.Value;

        public string Text => text.Value;

        public string Audio => audio.Value;

        public void Dispose() => folder.Dispose();

        private string Train(string fixture, string name)
        {
            var run = Path.Combine(folder.Path, name);
            var (code, _, errors) = Cli.Run("run", Path.Combine(Cli.RepoRoot, "tests", "fixtures", fixture), "--out", run);
            Assert.True(code == 0, errors);
            return run;
        }
    }
}
