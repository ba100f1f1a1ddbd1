using Nona.Tests.Support;
using Xunit;

namespace Nona.Tests.Vision;

/// <summary>The frozen-backbone feature cache: computed once, keyed by weights and inputs, reused by later runs.</summary>
public sealed class FeatureCacheTests
{
    [Fact]
    public void A_frozen_backbone_computes_features_once_and_a_later_run_reuses_them_with_identical_results()
    {
        using var folder = new TempFolder();
        var cache = Path.Combine(folder.Path, "cache");
        var recipe = folder.Write("frozen.yaml", $$"""
            data: {cache: {{cache}}}
            datasets: [{name: shapes, n: 40, size: 32, seed: 3, image_size: 224}]
            backbone: {name: resnet, weights: resnet18-dnn, trainable: false}
            projector: {name: mlp, sizes: [16, 8]}
            heads: [dense]
            training: {max_epochs: 3, batch_size: 8}
            evaluation: {splits: 1, two_stage: false, save_models: false}
            """);

        var first = Cli.Run("run", recipe, "--out", Path.Combine(folder.Path, "first"));
        Assert.True(first.Code == 0, first.Errors);
        var cached = Assert.Single(Directory.GetFiles(Path.Combine(cache, "features"), "*.bin"));
        var written = File.GetLastWriteTimeUtc(cached);

        var second = Cli.Run("run", recipe, "--out", Path.Combine(folder.Path, "second"));
        Assert.True(second.Code == 0, second.Errors);
        Assert.Contains("frozen-backbone features reused from " + cached, second.Output, StringComparison.Ordinal);
        Assert.Equal(written, File.GetLastWriteTimeUtc(cached));
        Assert.Equal(File.ReadAllText(Path.Combine(folder.Path, "first", "results.csv")), File.ReadAllText(Path.Combine(folder.Path, "second", "results.csv")));

        // Other images (another seed) are other inputs: a second cache entry, not a wrong reuse.
        Assert.Equal(0, Cli.Run("run", recipe, "--out", Path.Combine(folder.Path, "third"), "--set", "datasets[0].seed=4").Code);
        Assert.Equal(2, Directory.GetFiles(Path.Combine(cache, "features"), "*.bin").Length);
    }
}
