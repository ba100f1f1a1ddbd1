using Nona.Abstractions;
using Nona.Host.Discovery;
using Nona.Tests.Support;
using Xunit;

namespace Nona.Tests.Plugins;

/// <summary>
/// The plugins the dotnet new templates generate (compiled from src/Nona.Templates/content by
/// tests/Nona.TestPlugins.Templates), discovered and run by the host as a third party's would be. Their own test
/// projects and the packaged path run in .ci/sdk-check.
/// </summary>
public sealed class TemplatePluginTests
{
    private static string Output => TestPluginOutput.Of("Nona.TestPlugins.Templates");

    [Fact]
    public void Every_template_exports_one_plugin_of_its_kind()
    {
        var catalog = new PluginCatalog();
        catalog.AddFolder(Output);
        Assert.Empty(catalog.LoadErrors);
        Assert.Empty(catalog.Conflicts);
        Assert.Equal(
            [(PluginKind.Dataset, "template-dataset"), (PluginKind.Backbone, "template-backbone"), (PluginKind.Head, "template-head")],
            catalog.Entries.Select(e => (e.Kind, e.Name)).ToArray());
    }

    [Fact]
    public void A_recipe_with_the_three_template_plugins_runs_and_reports_the_template_head()
    {
        using var folder = new TempFolder();
        var data = Path.Combine(Cli.RepoRoot, "src", "Nona.Templates", "content", "nona-dataset", "data");
        var recipe = folder.Write("recipe.yaml", $$"""
            name: templates
            seed: 0
            data: {root: {{data}}}
            datasets:
              - {name: template-dataset, path: series.csv, column: value, window: 6}
            backbone: {name: template-backbone, hidden: 16, output_dim: 8}
            projector: {name: mlp, sizes: [8]}
            heads: [dense, template-head]
            training: {batch_size: 32, max_epochs: 3}
            evaluation: {splits: 1, two_stage: false}
            """);
        var output = Path.Combine(folder.Path, "run");
        var (code, _, errors) = Cli.Run("run", recipe, "--plugins", Output, "--out", output);
        Assert.True(code == 0, errors);
        var rows = File.ReadAllLines(Path.Combine(output, "results.csv"));
        Assert.Equal(3, rows.Length); // header, dense, template-head
        Assert.StartsWith("series,template-head,0,", rows[2], StringComparison.Ordinal);
        var mse = double.Parse(rows[2].Split(',')[^1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(double.IsFinite(mse) && mse > 0, rows[2]);
    }
}
