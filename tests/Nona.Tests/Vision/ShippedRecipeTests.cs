using System.Globalization;
using Nona.Plugins.Vision.Modules;
using Nona.Tests.Support;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp.PyBridge;
using Xunit;

namespace Nona.Tests.Vision;

/// <summary>The shipped image recipes, run as a user runs them on a small folder in the real format.</summary>
public sealed class ShippedRecipeTests
{
    [Fact]
    public void Udacity_recipe_runs_end_to_end_on_a_challenge_export_with_local_weights()
    {
        using var folder = new TempFolder();
        var data = Path.Combine(folder.Path, "udacity");
        WriteChallengeExport(data, frames: 40);
        var weights = Path.Combine(folder.Path, "efficientnet_b0.pth");
        using (var network = EfficientNet.B0())
            network.save_py(weights); // torchvision's key names, as a user's downloaded file has them

        var outFolder = Path.Combine(folder.Path, "out");
        var recipe = Path.Combine(Cli.RepoRoot, "recipes", "udacity.yaml");
        var (code, _, errors) = Cli.Run(
            "run", recipe, "--out", outFolder,
            "--set", $"data.root={data}", "--set", $"backbone.weights={weights}",
            // CPU-sized: small frames, one split, two epochs; everything else is the shipped recipe.
            "--set", "datasets[0].image_size=32", "--set", "datasets[0].resize=0", "--set", "datasets[0].fps=0",
            "--set", "evaluation.splits=1", "--set", "training.max_epochs=2", "--set", "training.batch_size=8");
        Assert.True(code == 0, errors);

        var rows = File.ReadAllLines(Path.Combine(outFolder, "results.csv")).Skip(1).Select(r => r.Split(',')).ToList();
        Assert.Equal(["dense", "dense+knn", "mean", "nona", "nona+knn"], rows.Select(r => r[1]).Order());
        Assert.All(rows, r => Assert.True(double.IsFinite(double.Parse(r[5], CultureInfo.InvariantCulture))));
        Assert.Contains("efficientnet", File.ReadAllText(Path.Combine(outFolder, "run.json")), StringComparison.Ordinal);
    }

    [Fact]
    public void Image_recipes_name_the_data_they_need_when_the_folder_is_missing()
    {
        foreach (var name in new[] { "udacity", "rsna", "houses", "medsegbench" })
        {
            var (code, _, errors) = Cli.Run("validate", Path.Combine(Cli.RepoRoot, "recipes", $"{name}.yaml"), "--set", "data.root=/nonexistent/data");
            Assert.Equal(2, code);
            Assert.Contains("--set data.root=", errors, StringComparison.Ordinal);
        }
    }

    // The Challenge-2 export: interpolated.csv (three cameras per time step) and center/<timestamp>.jpg frames.
    private static void WriteChallengeExport(string folder, int frames)
    {
        Directory.CreateDirectory(Path.Combine(folder, "center"));
        var lines = new List<string> { "index,timestamp,width,height,frame_id,filename,angle,torque,speed,lat,long,alt" };
        const long start = 1479424215880976321;
        for (var i = 0; i < frames; i++)
        {
            var timestamp = start + (i * 50_000_000L);
            var angle = Math.Sin(i * 0.3) * 0.2;
            using (var image = new Image<Rgb24>(64, 48))
            {
                // The road's vanishing point moves with the angle: a learnable (if tiny) signal.
                var column = (int)(32 + (angle * 100));
                for (var y = 0; y < 48; y++)
                {
                    for (var x = 0; x < 64; x++)
                        image[x, y] = Math.Abs(x - column) < 4 + (y / 4) ? new Rgb24(90, 90, 90) : new Rgb24(40, 120, 40);
                }

                image.SaveAsJpeg(Path.Combine(folder, "center", $"{timestamp}.jpg"));
            }

            foreach (var camera in new[] { "left_camera", "center_camera", "right_camera" })
            {
                var file = camera == "center_camera" ? $"center/{timestamp}.jpg" : $"{camera[..camera.IndexOf('_', StringComparison.Ordinal)]}/{timestamp}.jpg";
                lines.Add(string.Create(CultureInfo.InvariantCulture, $"{lines.Count - 1},{timestamp},640,480,{camera},{file},{angle},0.1,10.0,37.4,-122.1,-10"));
            }
        }

        File.WriteAllLines(Path.Combine(folder, "interpolated.csv"), lines);
    }
}
