using Nona.Abstractions;
using Nona.Host.Discovery;
using Nona.Tests.Support;
using Xunit;

namespace Nona.Tests.Plugins;

/// <summary>Discovery over plugin folders, including a head built as a separate project the host never references.</summary>
public sealed class PluginDiscoveryTests
{
    private static string ThirdPartyOutput
    {
        get
        {
            var configuration = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
            return Path.Combine(Cli.RepoRoot, "artifacts", "test-plugins", configuration, "Nona.TestPlugins.GaussianKernel");
        }
    }

    [Fact]
    public void Built_in_plugins_are_all_discovered_with_their_kinds()
    {
        var catalog = new PluginCatalog();
        catalog.AddFolder(PluginCatalog.DefaultFolder);
        Assert.Empty(catalog.LoadErrors);
        Assert.Equal(["dense", "nona"], catalog.NamesOf(PluginKind.Head));
        Assert.Equal(["none", "s1", "s2"], catalog.NamesOf(PluginKind.SoftStep));
        Assert.Equal(["knn", "linear"], catalog.NamesOf(PluginKind.Regressor));
        Assert.Equal(
            ["adresso", "audio-csv", "austin", "books", "coughvid", "csv", "houses", "image-csv", "medsegbench", "nosemic", "numbers", "pitchfork", "rsna-bone-age", "shapes", "synthetic", "text-csv", "tones", "udacity"],
            catalog.NamesOf(PluginKind.Dataset));
        Assert.Equal(["bert", "distilbert", "efficientnet", "hubert", "identity", "logmel", "resnet", "whisper"], catalog.NamesOf(PluginKind.Backbone));
        Assert.Equal(["mlp"], catalog.NamesOf(PluginKind.Projector));
    }

    [Fact]
    public void A_third_party_head_in_a_plugin_folder_is_discovered_and_used_from_a_recipe()
    {
        using var folder = new TempFolder();
        var plugins = CopyThirdParty(folder.Path, "plugins");
        var recipe = folder.Write("recipe.yaml", """
            datasets: [{name: synthetic, target: linear, n: 120}]
            heads:
              - name: gaussian-kernel
                bandwidth: 0.5
            training: {max_epochs: 3, batch_size: 16, threads: 1}
            evaluation: {splits: 1, two_stage: false, surfaces: false, save_models: false}
            """);

        var listing = Cli.Run("plugins", "--plugins", plugins);
        Assert.Equal(0, listing.Code);
        Assert.Contains("gaussian-kernel (head)", listing.Output, StringComparison.Ordinal);
        Assert.Contains("bandwidth: a number [0.001, 100] = 1", listing.Output, StringComparison.Ordinal);

        var outFolder = Path.Combine(folder.Path, "out");
        var run = Cli.Run("run", recipe, "--plugins", plugins, "--out", outFolder);
        Assert.True(run.Code == 0, run.Errors);
        var rows = File.ReadAllLines(Path.Combine(outFolder, "results.csv"));
        Assert.Equal(2, rows.Length);
        Assert.StartsWith("linear,gaussian-kernel,0,", rows[1], StringComparison.Ordinal);
    }

    [Fact]
    public void A_recipe_plugins_list_loads_a_folder_relative_to_the_recipe()
    {
        using var folder = new TempFolder();
        CopyThirdParty(folder.Path, "my-plugins");
        var recipe = folder.Write("recipe.yaml", """
            plugins: [my-plugins]
            datasets: [{name: synthetic}]
            heads: [gaussian-kernel]
            """);
        Assert.Equal(0, Cli.Run("validate", recipe).Code);
    }

    [Fact]
    public void A_broken_plugin_is_reported_by_file_and_the_others_still_work()
    {
        using var folder = new TempFolder();
        var plugins = CopyThirdParty(folder.Path, "plugins");
        var good = Path.Combine(plugins, "Nona.TestPlugins.GaussianKernel.dll");
        var broken = Path.Combine(folder.Path, "broken", "Broken.Plugin.dll");
        Directory.CreateDirectory(Path.GetDirectoryName(broken)!);
        var bytes = File.ReadAllBytes(good);
        File.WriteAllBytes(broken, bytes[..(bytes.Length / 2)]); // a managed image cut in half

        var catalog = new PluginCatalog();
        catalog.AddFolder(plugins);
        catalog.AddFolder(Path.GetDirectoryName(broken)!);
        var error = Assert.Single(catalog.LoadErrors);
        Assert.StartsWith(broken + ": ", error, StringComparison.Ordinal);
        Assert.NotNull(catalog.Find(PluginKind.Head, "gaussian-kernel"));
    }

    [Fact]
    public void Two_plugins_with_one_name_are_a_clear_error()
    {
        using var folder = new TempFolder();
        var first = CopyThirdParty(folder.Path, "a");
        var second = CopyThirdParty(folder.Path, "b");
        var recipe = folder.Write("recipe.yaml", "datasets: [{name: synthetic}]\nheads: [dense]\n");
        var (code, _, errors) = Cli.Run("validate", recipe, "--plugins", first, "--plugins", second);
        Assert.Equal(2, code);
        Assert.Contains("two head plugins are named 'gaussian-kernel'", errors, StringComparison.Ordinal);
    }

    private static string CopyThirdParty(string root, string name)
    {
        var target = Path.Combine(root, name);
        Directory.CreateDirectory(target);
        Assert.True(Directory.Exists(ThirdPartyOutput), $"build the test plugin first: {ThirdPartyOutput}");
        foreach (var file in Directory.GetFiles(ThirdPartyOutput))
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        return target;
    }
}
