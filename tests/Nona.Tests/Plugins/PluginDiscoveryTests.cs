using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using Nona.Abstractions;
using Nona.Host.Discovery;
using Nona.Tests.Support;
using Xunit;

namespace Nona.Tests.Plugins;

/// <summary>Discovery over plugin folders, including a head built as a separate project the host never references.</summary>
public sealed class PluginDiscoveryTests
{
    private static string ThirdPartyOutput => TestPluginOutput.Of("Nona.TestPlugins.GaussianKernel");

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

    [Theory]
    [InlineData(0, 9)] // an older major on a newer host: not checked by the runtime at all
    [InlineData(2, 0)] // a newer major
    [InlineData(1, 1)] // a newer minor than the host's 1.0
    public void A_plugin_built_against_an_incompatible_abstractions_is_refused_by_file_and_versions(int major, int minor)
    {
        Assert.Equal(new Version(1, 0, 0, 0), AbstractionsVersion.Host); // build/Version.props; update with it
        using var folder = new TempFolder();
        var plugins = CopyThirdParty(folder.Path, "plugins");
        var plugin = Path.Combine(plugins, "Nona.TestPlugins.GaussianKernel.dll");
        SetAbstractionsReference(plugin, major, minor);

        var catalog = new PluginCatalog();
        catalog.AddFolder(PluginCatalog.DefaultFolder);
        catalog.AddFolder(plugins);

        var error = Assert.Single(catalog.LoadErrors);
        Assert.StartsWith($"{plugin}: built against Nona.Abstractions {major}.{minor}, but this host has 1.0 ", error, StringComparison.Ordinal);
        Assert.Null(catalog.Find(PluginKind.Head, "gaussian-kernel"));
        Assert.NotNull(catalog.Find(PluginKind.Head, "nona")); // the other plugins still load

        // A recipe that names the refused plugin says why it is missing, in its one error line.
        var recipe = folder.Write("recipe.yaml", "datasets: [{name: synthetic}]\nheads: [gaussian-kernel]\n");
        var (code, _, errors) = Cli.Run("validate", recipe, "--plugins", plugins);
        Assert.Equal(2, code);
        Assert.Contains("'gaussian-kernel' is not a head plugin", errors, StringComparison.Ordinal);
        Assert.Contains($"Not loaded: {plugin}: built against Nona.Abstractions {major}.{minor}", errors, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1, 0, 1, 0, true)]
    [InlineData(1, 0, 1, 3, true)] // an older minor loads in a newer host
    [InlineData(1, 4, 1, 3, false)]
    [InlineData(0, 9, 1, 3, false)]
    [InlineData(2, 0, 1, 3, false)]
    [InlineData(1, 3, 2, 0, false)]
    public void Only_the_same_major_with_a_minor_at_most_the_hosts_is_compatible(int builtMajor, int builtMinor, int hostMajor, int hostMinor, bool loads)
    {
        var refusal = AbstractionsVersion.Refusal(new Version(builtMajor, builtMinor, 5, 0), new Version(hostMajor, hostMinor, 0, 0));
        Assert.Equal(loads, refusal is null);
        if (refusal is not null)
            Assert.StartsWith($"built against Nona.Abstractions {builtMajor}.{builtMinor}, but this host has {hostMajor}.{hostMinor} ", refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void A_factory_that_throws_in_its_constructor_or_an_assembly_that_exports_a_name_twice_is_reported_and_the_others_still_load()
    {
        using var folder = new TempFolder();
        var faulty = CopyPlugin(TestPluginOutput.Of("Nona.TestPlugins.Faulty"), folder.Path, "faulty");
        var file = Path.Combine(faulty, "Nona.TestPlugins.Faulty.dll");

        var catalog = new PluginCatalog();
        catalog.AddFolder(faulty);

        var error = Assert.Single(catalog.LoadErrors);
        Assert.Equal(
            $"{file}: the head plugin 'throws-on-construct' threw InvalidOperationException in its constructor (licence file acme.lic not found); fix the plugin or remove it from the plugin folder",
            error);
        Assert.NotNull(catalog.Find(PluginKind.Regressor, "throws-in-create"));

        var twins = CopyPlugin(TestPluginOutput.Of("Nona.TestPlugins.Twins"), folder.Path, "twins");
        catalog.AddFolder(twins);
        Assert.Equal([$"{Path.Combine(twins, "Nona.TestPlugins.Twins.dll")} exports two regressor plugins named 'twin'; rename one of them"], catalog.Conflicts);
    }

    [Fact]
    public void A_factory_that_throws_while_creating_is_one_line_naming_the_plugin_and_its_file()
    {
        using var folder = new TempFolder();
        var faulty = CopyPlugin(TestPluginOutput.Of("Nona.TestPlugins.Faulty"), folder.Path, "faulty");
        var recipe = folder.Write("recipe.yaml", "datasets: [{name: synthetic, n: 64}]\nheads: [dense]\ntraining: {max_epochs: 1}\nevaluation: {splits: 1, knn: throws-in-create}\n");
        var (code, output, errors) = Cli.Run("run", recipe, "--plugins", faulty, "--out", Path.Combine(folder.Path, "run"));
        Assert.True(code is 1 or 2, output + errors);
        var line = Assert.Single(errors.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.Contains("throws-in-create", StringComparison.Ordinal));
        Assert.Contains("the regressor plugin 'throws-in-create' (" + Path.Combine(faulty, "Nona.TestPlugins.Faulty.dll") + ") threw InvalidOperationException while creating it (model table is empty)", line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", errors, StringComparison.Ordinal);
    }

    // Rewrites the version of the assembly's Nona.Abstractions reference in place: the AssemblyRef row starts with
    // MajorVersion, MinorVersion, BuildNumber, RevisionNumber (ECMA-335 II.22.5), so this is what a build against
    // that version of the package would have recorded.
    private static void SetAbstractionsReference(string assembly, int major, int minor)
    {
        var bytes = File.ReadAllBytes(assembly);
        long offset;
        using (var pe = new PEReader(new MemoryStream(bytes)))
        {
            var reader = pe.GetMetadataReader();
            var handle = reader.AssemblyReferences.Single(h => reader.GetString(reader.GetAssemblyReference(h).Name) == "Nona.Abstractions");
            offset = pe.PEHeaders.MetadataStartOffset + reader.GetTableMetadataOffset(TableIndex.AssemblyRef)
                + ((long)MetadataTokens.GetRowNumber(handle) - 1) * reader.GetTableRowSize(TableIndex.AssemblyRef);
        }

        BitConverter.TryWriteBytes(bytes.AsSpan((int)offset, 2), (ushort)major);
        BitConverter.TryWriteBytes(bytes.AsSpan((int)offset + 2, 2), (ushort)minor);
        File.WriteAllBytes(assembly, bytes);
    }

    private static string CopyThirdParty(string root, string name) => CopyPlugin(ThirdPartyOutput, root, name);

    private static string CopyPlugin(string output, string root, string name)
    {
        var target = Path.Combine(root, name);
        Directory.CreateDirectory(target);
        Assert.True(Directory.Exists(output), $"build the test plugin first: {output}");
        foreach (var file in Directory.GetFiles(output))
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        return target;
    }
}
