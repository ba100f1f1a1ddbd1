using System.Globalization;
using System.Text.Json;
using Nona.Tests.Support;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Xunit;

namespace Nona.Tests.Predict;

/// <summary>
/// <c>nona explain</c>: with every neighbour listed, the weights sum to 1 and rebuild the prediction; the page shows
/// every thumbnail in a real browser; a head without neighbours says so.
/// </summary>
public sealed partial class PredictTests
{
    [Fact]
    public void With_the_whole_bank_listed_the_weights_sum_to_one_and_rebuild_each_prediction()
    {
        using var folder = new TempFolder();
        var output = Path.Combine(folder.Path, "e");
        var (code, _, errors) = Cli.Run("explain", runs.Vector, "--test", "--split", "0", "--method", "nona", "--top", "100000", "--limit", "12", "--out", output);
        Assert.True(code == 0, errors);
        var queries = ExplainRows(output).GroupBy(r => r.Query).ToList();
        Assert.Equal(12, queries.Count);
        using var info = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "explain.json")));
        var bank = info.RootElement.GetProperty("bank_size").GetInt32();
        foreach (var query in queries)
        {
            var rows = query.ToList();
            Assert.Equal(bank, rows.Count);
            // The model computes in float32: sums agree to its precision.
            Assert.Equal(1.0, rows.Sum(r => r.Weight), 5);
            Assert.Equal(1.0, rows[0].TopShare, 5);
            var rebuilt = rows.Sum(r => r.Weight * r.NeighbourLabel);
            Assert.True(Math.Abs(rows[0].Prediction - rebuilt) <= 1e-5 * Math.Max(1, Math.Abs(rebuilt)), $"query {query.Key}: prediction {rows[0].Prediction}, Σ w·y {rebuilt}");
            var effective = 1 / rows.Sum(r => r.Weight * r.Weight);
            Assert.True(Math.Abs(rows[0].EffectiveNeighbours - effective) <= 1e-4 * effective, $"query {query.Key}: effective neighbours {rows[0].EffectiveNeighbours}, 1/Σw² {effective}");
            Assert.True(rows.Zip(rows.Skip(1)).All(p => p.First.Weight >= p.Second.Weight), "neighbours are listed by weight, largest first");
        }
    }

    [Fact]
    public void A_short_list_reports_the_share_its_neighbours_carry()
    {
        using var folder = new TempFolder();
        var output = Path.Combine(folder.Path, "e");
        var (code, _, errors) = Cli.Run("explain", runs.Vector, "--test", "--split", "1", "--top", "3", "--limit", "8", "--out", output);
        Assert.True(code == 0, errors);
        foreach (var query in ExplainRows(output).GroupBy(r => r.Query))
        {
            Assert.Equal(3, query.Count());
            Assert.Equal(query.Sum(r => r.Weight), query.First().TopShare, 12);
            Assert.True(query.First().TopShare <= 1 + 1e-12);
        }
    }

    [Fact]
    public void A_dense_head_explains_its_predictions_without_neighbours_and_says_why()
    {
        using var folder = new TempFolder();
        var output = Path.Combine(folder.Path, "e");
        var (code, text, errors) = Cli.Run("explain", runs.Vector, "--test", "--split", "0", "--method", "dense", "--limit", "5", "--out", output);
        Assert.True(code == 0, errors);
        Assert.Contains("dense does not predict from neighbours", text, StringComparison.Ordinal);
        using var info = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "explain.json")));
        Assert.Contains("does not predict from neighbours", info.RootElement.GetProperty("note").GetString(), StringComparison.Ordinal);
        var lines = File.ReadAllLines(Path.Combine(output, "explain.csv")).Skip(1).ToList();
        Assert.Equal(5, lines.Count);
        Assert.All(lines, l => Assert.EndsWith(",,,,,,", l, StringComparison.Ordinal));
    }

    [Fact]
    public void A_two_stage_method_lists_the_training_rows_its_knn_averaged_with_weights_that_give_its_prediction()
    {
        using var folder = new TempFolder();
        var output = Path.Combine(folder.Path, "e");
        var (code, text, errors) = Cli.Run("explain", runs.Vector, "--test", "--split", "0", "--method", "nona+knn", "--top", "10", "--limit", "6", "--out", output);
        Assert.True(code == 0, errors);
        Assert.Contains("nona+knn predicts with its two-stage regressor (k=", text, StringComparison.Ordinal);
        var lines = File.ReadAllLines(Path.Combine(output, "explain.csv")).Skip(1).Select(l => l.Split(',')).ToList();
        Assert.DoesNotContain("S2's mask never reaches", File.ReadAllText(Path.Combine(output, "index.html")), StringComparison.Ordinal);

        // The predictions shown are the regressor's: what nona predict gives for the same rows.
        var predicted = Path.Combine(folder.Path, "p.csv");
        Assert.Equal(0, Cli.Run("predict", runs.Vector, "--test", "--split", "0", "--method", "nona+knn", "--out", predicted).Code);
        var expected = ReadPredictions(predicted).Take(6).ToList();
        var queries = lines.GroupBy(c => int.Parse(c[0], CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(expected.Select(r => r.Row), queries.Select(g => g.Key));

        var modelJson = Directory.GetFiles(Path.Combine(runs.Vector, "models"), "model.json", SearchOption.AllDirectories)
            .Single(f => f.EndsWith(Path.Combine("split-0", "nona", "model.json"), StringComparison.Ordinal));
        using var model = JsonDocument.Parse(File.ReadAllText(modelJson));
        var fitted = model.RootElement.GetProperty("two_stage_rows").EnumerateArray().Select(e => e.GetInt32()).ToHashSet();
        var k = int.Parse(model.RootElement.GetProperty("two_stage").GetProperty("fitted").GetString()!.Split(' ')[0][2..], CultureInfo.InvariantCulture);
        for (var i = 0; i < expected.Count; i++)
        {
            var rows = queries[i].ToList();
            Assert.Equal(expected[i].Prediction, Number(rows[0][1]), 12);
            Assert.InRange(rows.Count, 1, k); // top 10 ≥ k: every neighbour the k-NN used is listed
            Assert.All(rows, c => Assert.Contains(int.Parse(c[^5], CultureInfo.InvariantCulture), fitted)); // training rows it was fitted on
            var weights = rows.Select(c => Number(c[^1])).ToList();
            Assert.Equal(1.0, weights.Sum(), 9);
            Assert.Equal(expected[i].Prediction, rows.Sum(c => Number(c[^1]) * Number(c[^4])), 9); // Σ weight · label
        }
    }

    [Fact]
    public void The_note_that_the_mask_never_reaches_zero_is_shown_for_s2()
    {
        using var folder = new TempFolder();
        var output = Path.Combine(folder.Path, "e");
        var (code, _, errors) = Cli.Run("explain", runs.Vector, "--test", "--split", "0", "--method", "nona", "--limit", "2", "--out", output);
        Assert.True(code == 0, errors);
        Assert.Contains("S2's mask never reaches exactly 0", File.ReadAllText(Path.Combine(output, "index.html")), StringComparison.Ordinal);
    }

    [ChromiumFact]
    public void The_explain_page_shows_every_thumbnail_in_a_browser()
    {
        using var folder = new TempFolder();
        var output = Path.Combine(folder.Path, "e");
        var (code, _, errors) = Cli.Run("explain", runs.Images, "--test", "--split", "0", "--top", "4", "--limit", "5", "--out", output);
        Assert.True(code == 0, errors);

        // A copy of the page with a script that records, once everything has loaded, how many images decoded.
        var page = Path.Combine(output, "index.html");
        var probe = Path.Combine(output, "probe.html");
        File.WriteAllText(probe, File.ReadAllText(page) + """
            <script>
            window.addEventListener('load', () => {
              const images = [...document.images];
              document.body.setAttribute('data-images', images.length);
              document.body.setAttribute('data-decoded', images.filter(i => i.complete && i.naturalWidth > 0).length);
            });
            </script>
            """);
        var dom = Chromium.DumpDom(probe);
        var images = Attribute(dom, "data-images");
        Assert.True(images >= 5 * (1 + 4), $"{images} images on the page; 5 queries × (query + 4 neighbours) expected: {dom[..Math.Min(dom.Length, 400)]}");
        Assert.Equal(images, Attribute(dom, "data-decoded"));

        // The screenshot is the page as drawn: not blank, with the thumbnails' colours in it.
        var png = Path.Combine(folder.Path, "explain.png");
        Chromium.Screenshot(page, png, 1200, 900);
        using var shot = Image.Load<Rgba32>(png);
        Assert.Equal((1200, 900), (shot.Width, shot.Height));
        var coloured = 0;
        shot.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < rows.Height; y++)
            {
                foreach (var p in rows.GetRowSpan(y))
                {
                    if (Math.Max(p.R, Math.Max(p.G, p.B)) - Math.Min(p.R, Math.Min(p.G, p.B)) > 60)
                        coloured++;
                }
            }
        });
        Assert.True(coloured > 2000, $"only {coloured} strongly coloured pixels: the thumbnails were not drawn");
    }

    private static int Attribute(string dom, string name)
    {
        var at = dom.IndexOf($"{name}=\"", StringComparison.Ordinal);
        Assert.True(at >= 0, $"{name} not in the rendered page: the probe script did not run");
        var start = at + name.Length + 2;
        return int.Parse(dom[start..dom.IndexOf('"', start)], CultureInfo.InvariantCulture);
    }

    private static List<(int Query, double Prediction, double TopShare, double EffectiveNeighbours, double NeighbourLabel, double Weight)> ExplainRows(string folder) =>
        [.. File.ReadAllLines(Path.Combine(folder, "explain.csv")).Skip(1).Select(l => l.Split(',')).Select(c =>
            (int.Parse(c[0], CultureInfo.InvariantCulture), Number(c[1]), Number(c[3]), Number(c[4]), Number(c[8]), Number(c[11])))];

    private static double Number(string cell) => double.Parse(cell, CultureInfo.InvariantCulture);
}
