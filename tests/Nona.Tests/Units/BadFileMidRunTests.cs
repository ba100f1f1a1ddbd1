using Nona.Tests.Support;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Xunit;

namespace Nona.Tests.Units;

/// <summary>
/// An image whose header is fine (so the load-time check passes) but whose body is cut short fails when a batch
/// decodes it. Under <c>on_bad_image: skip</c> the row is dropped for the rest of the run and the dataset's units
/// restart without it — the results equal a run whose table never listed it (the comparison stays paired). Under
/// <c>fail</c> the run stops with the file's name and continues, after the file is fixed, with the results of a run
/// that never saw it broken.
/// </summary>
public sealed class BadFileMidRunTests
{
    private const int BadRow = 7;

    [Fact]
    public void Under_skip_a_body_that_fails_mid_run_is_dropped_and_the_results_equal_a_table_without_it()
    {
        using var folder = new TempFolder();
        var (recipe, csv) = Dataset(folder.Path);
        Truncate(ImagePath(folder.Path, BadRow));

        var run = Path.Combine(folder.Path, "run");
        var (code, output, errors) = Cli.Run("run", recipe, "--out", run, "--set", "datasets[0].on_bad_image=skip");
        Assert.True(code == 0, errors + output);
        var notes = System.Text.RegularExpressions.Regex.Replace(output, @"\s+", " "); // the console wraps long notes
        Assert.Contains($"img{BadRow}.png: cannot decode the image", notes, StringComparison.Ordinal);
        Assert.Contains($"dropped row {BadRow} for the rest of the run (on_bad_*: skip)", notes, StringComparison.Ordinal);
        Assert.Contains($"\"row\": {BadRow}", File.ReadAllText(Path.Combine(run, "dropped.json")), StringComparison.Ordinal);

        // The same run on a table that never listed the broken image.
        File.WriteAllLines(csv, File.ReadAllLines(csv).Where(l => !l.StartsWith($"img{BadRow}.png,", StringComparison.Ordinal)));
        var clean = Path.Combine(folder.Path, "clean");
        var (cleanCode, _, cleanErrors) = Cli.Run("run", recipe, "--out", clean, "--set", "datasets[0].on_bad_image=skip");
        Assert.True(cleanCode == 0, cleanErrors);
        Assert.Equal(File.ReadAllText(Path.Combine(clean, "results.csv")), File.ReadAllText(Path.Combine(run, "results.csv")));
    }

    [Fact]
    public void Under_fail_the_run_stops_naming_the_file_and_resumes_once_it_is_fixed()
    {
        using var folder = new TempFolder();
        var (recipe, _) = Dataset(folder.Path);
        var reference = Path.Combine(folder.Path, "reference");
        var (referenceCode, _, referenceErrors) = Cli.Run("run", recipe, "--out", reference);
        Assert.True(referenceCode == 0, referenceErrors);

        var good = File.ReadAllBytes(ImagePath(folder.Path, BadRow));
        Truncate(ImagePath(folder.Path, BadRow));
        var run = Path.Combine(folder.Path, "run");
        var (code, _, errors) = Cli.Run("run", recipe, "--out", run);
        Assert.Equal(1, code);
        var line = Assert.Single(errors.Trim().Split('\n'));
        Assert.StartsWith($"error: {ImagePath(folder.Path, BadRow)}: cannot decode the image", line, StringComparison.Ordinal);
        Assert.EndsWith($"once it is fixed, continue with: nona run --resume {run}", line, StringComparison.Ordinal);

        File.WriteAllBytes(ImagePath(folder.Path, BadRow), good);
        var (resumed, output, resumeErrors) = Cli.Run("run", "--resume", run);
        Assert.True(resumed == 0, resumeErrors + output);
        Assert.Equal(File.ReadAllText(Path.Combine(reference, "results.csv")), File.ReadAllText(Path.Combine(run, "results.csv")));
    }

    private static (string Recipe, string Csv) Dataset(string root)
    {
        var lines = new List<string> { "file,y" };
        for (var i = 0; i < 24; i++)
        {
            using var image = new Image<Rgb24>(20, 20);
            var shade = (byte)(i * 10);
            image.ProcessPixelRows(rows =>
            {
                for (var y = 0; y < rows.Height; y++)
                {
                    var row = rows.GetRowSpan(y);
                    for (var x = 0; x < row.Length; x++)
                        row[x] = new Rgb24(shade, (byte)(x * 12), (byte)(y * 12));
                }
            });
            image.SaveAsPng(ImagePath(root, i));
            lines.Add($"img{i}.png,{i * 0.5}");
        }

        var csv = Path.Combine(root, "images.csv");
        File.WriteAllLines(csv, lines);
        var recipe = Path.Combine(root, "recipe.yaml");
        File.WriteAllText(recipe, """
            name: badfile
            seed: 0
            data: {root: .}
            datasets:
              - {name: image-csv, path: images.csv, image: file, target: y, image_size: 16, resize: 16}
            backbone: {name: resnet, blocks: [1, 1, 1, 1]}
            projector: {name: mlp, sizes: [8]}
            heads: [{name: dense}, {name: nona}]
            training: {batch_size: 8, max_epochs: 2, threads: 1}
            evaluation: {splits: 2, two_stage: false}
            """);
        return (recipe, csv);
    }

    private static string ImagePath(string root, int i) => Path.Combine(root, $"img{i}.png");

    // Keeps the PNG signature and header chunk (the load-time check reads those) and cuts the pixel data short.
    private static void Truncate(string path)
    {
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length * 2 / 3)]);
    }
}
