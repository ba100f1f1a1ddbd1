using Nona.Abstractions;
using Nona.Host.Data;
using Nona.Host.Discovery;
using Nona.Host.Protocol;
using Nona.Host.Recipes;
using TorchSharp;

namespace Nona.Host.Cli;

/// <summary>What every command needs: the plugin catalog and, for recipe commands, the validated recipe.</summary>
internal static class HostSetup
{
    /// <summary>The catalog of the default plugin folder plus <paramref name="extraFolders"/>.</summary>
    public static PluginCatalog Catalog(IEnumerable<string> extraFolders)
    {
        var catalog = new PluginCatalog();
        catalog.AddFolder(PluginCatalog.DefaultFolder);
        foreach (var folder in extraFolders)
            catalog.AddFolder(Path.GetFullPath(folder));
        return catalog;
    }

    /// <summary>
    /// Loads the recipe and builds each projector and head once on a small input, so a factory's own checks
    /// fail before any work starts.
    /// </summary>
    public static (Recipe Recipe, PluginBuilder Builder) Recipe(string path, IEnumerable<string> overrides, PluginCatalog catalog)
    {
        var recipe = RecipeLoader.Load(path, overrides, catalog);
        var builder = new PluginBuilder(catalog, recipe, new CsvTableReader());
        var problems = new List<string>();
        void Try(Action create)
        {
            try
            {
                create();
            }
            catch (NonaException e)
            {
                problems.Add(e.Message);
            }
        }

        foreach (var dataset in recipe.Datasets)
            Try(() => builder.Create<IDataset>(dataset, builder.Context(dataset.Key, 0, torch.ScalarType.Float32)));
        Try(() => builder.Create<Projector>(recipe.Projector, builder.Context(recipe.Projector.Key, 4, torch.ScalarType.Float32)).Dispose());
        foreach (var head in recipe.Heads)
            Try(() => builder.Create<RegressionHead>(head, builder.Context(head.Key, 4, torch.ScalarType.Float32)).Dispose());
        if (problems.Count > 0)
            throw new RecipeException(problems);
        return (recipe, builder);
    }
}
