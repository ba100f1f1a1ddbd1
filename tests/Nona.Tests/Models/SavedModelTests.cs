using System.Globalization;
using Nona.Abstractions;
using Nona.Host.Cli;
using Nona.Host.Models;
using Nona.Host.Protocol;
using Nona.Tests.Support;
using Xunit;

namespace Nona.Tests.Models;

/// <summary>
/// A saved model loads back and reproduces its run's own test predictions: the test MSE recomputed from the loaded
/// model equals results.csv's <c>mse_scaled</c> to the last bit, for the dense and NONA heads, with a trained and
/// with a frozen (pretrained, rebuilt from the recipe) backbone.
/// </summary>
public sealed class SavedModelTests
{
    [Theory]
    [InlineData("resume/small.yaml", "spiral", 2)]
    [InlineData("gc-stress/text.yaml", "numbers", 1)]
    public void A_loaded_model_gives_the_runs_own_test_mse_exactly(string fixture, string dataset, int splits)
    {
        using var folder = new TempFolder();
        var run = Path.Combine(folder.Path, "run");
        var recipePath = Path.Combine(Cli.RepoRoot, "tests", "fixtures", fixture);
        var (code, _, errors) = Cli.Run("run", recipePath, "--out", run);
        Assert.True(code == 0, errors);
        var results = File.ReadAllLines(Path.Combine(run, "results.csv")).Skip(1).Select(l => l.Split(',')).ToList();

        var catalog = HostSetup.Catalog([]);
        var (recipe, builder) = HostSetup.Recipe(recipePath, [], catalog);
        var spec = recipe.Datasets[0];
        var data = builder.Create<IDataset>(spec, builder.Context(spec.Key, 0, TorchSharp.torch.ScalarType.Float32)).Load(CancellationToken.None);
        var checkedModels = 0;
        for (var k = 0; k < splits; k++)
        {
            var split = DataSplit.Make(data.Labels, recipe.Seed + k, recipe.Evaluation, data.Groups);
            foreach (var method in new[] { "dense", "nona" })
            {
                using var model = SavedModel.Load(Path.Combine(run, "models", dataset, $"split-{k}", method), catalog);
                Assert.Equal((dataset, k, method), (model.Info.Dataset, model.Info.Split, model.Info.Method));
                var scaled = data.Labels.Select(model.Scaler.Scale).ToArray();
                var mse = Inference.Mse(model.PredictScaled(data.Inputs, split.Test), [.. split.Test.Select(i => scaled[i])]);
                var expected = results.Single(r => r[0] == dataset && r[1] == method && r[2] == k.ToString(CultureInfo.InvariantCulture))[4];
                Assert.Equal(expected, mse.ToString("R", CultureInfo.InvariantCulture));
                if (method == "nona")
                    Assert.Equal(split.Train, model.Info.BankRows);
                checkedModels++;
            }
        }

        Assert.Equal(2 * splits, checkedModels);
    }

    [Fact]
    public void A_folder_that_is_not_a_model_is_refused_in_one_line()
    {
        using var folder = new TempFolder();
        var error = Assert.Throws<NonaException>(() => SavedModel.Load(folder.Path, HostSetup.Catalog([])));
        Assert.Equal($"{folder.Path}: no model.json; give a folder models/<dataset>/split-<k>/<method> of a run", error.Message);
    }
}
