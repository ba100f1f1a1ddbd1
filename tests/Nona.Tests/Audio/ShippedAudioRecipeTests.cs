using System.Globalization;
using System.Text.Json;
using Nona.Tests.Support;
using Xunit;

namespace Nona.Tests.Audio;

/// <summary>The shipped audio recipes, run as a user runs them on a small folder in the real format.</summary>
public sealed class ShippedAudioRecipeTests
{
    // Browser-style recordings as COUGHVID holds them: live WebM (unknown-size Segment and Clusters) and Ogg, Opus
    // and Vorbis (tests/fixtures/make_audio_decoder_fixtures.py).
    private static readonly string[] Recordings =
        ["sine-stereo-opus-live.webm", "sine-stereo-opus.webm", "sine-mono-opus.ogg", "sine-stereo-vorbis.ogg", "sine-mono-vorbis.webm"];

    [Fact]
    public void Coughvid_recipe_runs_end_to_end_on_webm_and_ogg_recordings_with_a_local_weight_file()
    {
        using var folder = new TempFolder();
        var data = Path.Combine(folder.Path, "coughvid");
        var kept = WriteCoughvid(Path.Combine(data, "public_dataset"), rows: 30);

        // A small HuBERT (the parity fixture's small config) as a user's weight file with its config.json beside it.
        using var fixture = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "fixtures", "hubert_parity.json")));
        var weights = HubertFormula.WriteFolder(Path.Combine(folder.Path, "hubert-small"), fixture.RootElement,
            fixture.RootElement.GetProperty("small_group").GetProperty("config"), parametrizations: true);

        var outFolder = Path.Combine(folder.Path, "out");
        var (code, output, errors) = Cli.Run(
            "run", Path.Combine(Cli.RepoRoot, "recipes", "coughvid.yaml"), "--out", outFolder,
            "--set", $"data.root={data}", "--set", $"backbone.weights={weights}",
            // CPU-sized: one split, two epochs; everything else is the shipped recipe.
            "--set", "evaluation.splits=1", "--set", "training.max_epochs=2", "--set", "training.batch_size=8");
        Assert.True(code == 0, errors);

        var rows = File.ReadAllLines(Path.Combine(outFolder, "results.csv")).Skip(1).Select(r => r.Split(',')).ToList();
        Assert.Equal(["dense", "dense+knn", "mean", "nona", "nona+knn"], rows.Select(r => r[1]).Order());
        Assert.All(rows, r => Assert.True(double.IsFinite(double.Parse(r[5], CultureInfo.InvariantCulture))));
        Assert.Contains("hubert", File.ReadAllText(Path.Combine(outFolder, "run.json")), StringComparison.Ordinal);
        // The console wraps long notes: compare without the line breaks.
        Assert.Contains($"→ {kept} with a recording", (output + errors).ReplaceLineEndings(""), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("coughvid")]
    [InlineData("nosemic")]
    [InlineData("adresso-audio")]
    public void Audio_recipes_name_the_data_they_need_when_the_folder_is_missing(string name)
    {
        var (code, _, errors) = Cli.Run("validate", Path.Combine(Cli.RepoRoot, "recipes", $"{name}.yaml"), "--set", "data.root=/nonexistent/data");
        Assert.Equal(2, code);
        Assert.Contains("--set data.root=", errors, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", errors, StringComparison.Ordinal); // one line, no stack trace
    }

    [Fact]
    public void A_missing_weight_file_says_what_is_needed_and_which_override_to_pass()
    {
        using var folder = new TempFolder();
        var data = Path.Combine(folder.Path, "coughvid");
        WriteCoughvid(Path.Combine(data, "public_dataset"), rows: 12);
        var (code, _, errors) = Cli.Run(
            "run", Path.Combine(Cli.RepoRoot, "recipes", "coughvid.yaml"), "--out", Path.Combine(folder.Path, "out"),
            "--set", $"data.root={data}", "--set", $"backbone.weights={Path.Combine(folder.Path, "absent")}");
        Assert.Equal(2, code);
        var message = errors.ReplaceLineEndings("");
        Assert.Contains("--set backbone.weights=", message, StringComparison.Ordinal);
        Assert.Contains("huggingface.co/facebook/hubert-base-ls960", message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(folder.Path, "out")));
    }

    // metadata_compiled.csv with COUGHVID's header; recordings <uuid>.webm / <uuid>.ogg from the decoder fixtures.
    // Every fifth row has a low cough_detected (filtered out by the recipe's 0.8). Returns the rows kept.
    private static int WriteCoughvid(string folder, int rows)
    {
        Directory.CreateDirectory(folder);
        var lines = new List<string> { "uuid,datetime,cough_detected,latitude,longitude,age,gender,respiratory_condition,fever_muscle_pain,status" };
        var kept = 0;
        for (var i = 0; i < rows; i++)
        {
            var uuid = $"00000000-0000-4000-8000-{i:D12}";
            var recording = Recordings[i % Recordings.Length];
            File.Copy(Path.Combine(AppContext.BaseDirectory, "fixtures", "audio", recording), Path.Combine(folder, uuid + Path.GetExtension(recording)));
            var detected = i % 5 == 4 ? "0.2" : "0.97";
            kept += i % 5 == 4 ? 0 : 1;
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"{uuid},2020-04-13T21:30:59.801831+00:00,{detected},,,{20 + (i * 2)},female,False,False,healthy"));
        }

        File.WriteAllLines(Path.Combine(folder, "metadata_compiled.csv"), lines);
        return kept;
    }
}
