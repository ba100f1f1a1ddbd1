using Nona.Abstractions;
using Nona.Host.Discovery;
using Nona.Host.Recipes;

namespace Nona.Host.Protocol;

/// <summary>Creates plugin products from a recipe's bound specs, checking each factory returns its kind's type.</summary>
internal sealed class PluginBuilder(PluginCatalog catalog, Recipe recipe, ITableReader tables) : IPluginResolver
{
    private readonly Weights.WeightStore weights = new(recipe.CacheFolder, Path.GetDirectoryName(recipe.Path)!);

    /// <summary>A context for creating a product with input width <paramref name="inputDim"/>.</summary>
    public PluginContext Context(string key, long inputDim, TorchSharp.torch.ScalarType dtype) => new()
    {
        InputDim = inputDim,
        DType = dtype,
        DataRoot = recipe.DataRoot,
        RecipePath = recipe.Path,
        RecipeKey = key,
        Seed = recipe.Seed,
        Tables = tables,
        Plugins = this,
        Weights = weights,
        RecipeFolder = Path.GetDirectoryName(recipe.Path)!,
        CacheFolder = recipe.CacheFolder,
    };

    /// <summary>Creates the product of <paramref name="spec"/>.</summary>
    public T Create<T>(PluginSpec spec, PluginContext context)
        where T : class => Make<T>(spec.Plugin, spec.Options, context);

    /// <inheritdoc />
    public T Create<T>(PluginReference reference, PluginContext context)
        where T : class
    {
        var entry = catalog.Entries.FirstOrDefault(e => e.Name == reference.Name && e.ProductType == typeof(T))
            ?? throw new NonaException($"{context.RecipePath}: {context.RecipeKey}: no plugin '{reference.Name}' makes a {typeof(T).Name}");
        return Make<T>(entry, reference.Options ?? Activator.CreateInstance(entry.Factory.OptionsType)!, context);
    }

    private static T Make<T>(PluginEntry entry, object options, PluginContext context)
        where T : class
    {
        var product = entry.Factory.Create(options, context);
        return product as T ?? throw new NonaException(
            $"plugin '{entry.Name}' ({entry.Source}) made a {product?.GetType().Name ?? "null"} where a {entry.Kind.ToString().ToLowerInvariant()} plugin must make a {typeof(T).Name}; fix the plugin");
    }
}
