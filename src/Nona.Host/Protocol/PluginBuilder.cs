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
        return Make<T>(Entry<T>(reference.Name, context), OptionsOf<T>(reference, context), context);
    }

    /// <summary>The options <paramref name="reference"/> creates its plugin with: the bound ones, else the plugin's defaults.</summary>
    public object OptionsOf<T>(PluginReference reference, PluginContext context)
        where T : class => reference.Options ?? Activator.CreateInstance(Entry<T>(reference.Name, context).Factory.OptionsType)!;

    /// <summary>The options type of the <typeparamref name="T"/> plugin <paramref name="name"/> (to bind saved options to).</summary>
    public Type OptionsType<T>(string name, PluginContext context)
        where T : class => Entry<T>(name, context).Factory.OptionsType;

    private PluginEntry Entry<T>(string name, PluginContext context)
        where T : class =>
        catalog.Entries.FirstOrDefault(e => e.Name == name && e.ProductType == typeof(T))
            ?? throw new NonaException($"{context.RecipePath}: {context.RecipeKey}: no plugin '{name}' makes a {typeof(T).Name}");

    private static T Make<T>(PluginEntry entry, object options, PluginContext context)
        where T : class
    {
        object product;
        try
        {
            product = entry.Factory.Create(options, context);
        }
        catch (Exception e) when (e is not NonaException and not OperationCanceledException and not OutOfMemoryException)
        {
            // A factory is third-party code: anything but the one-line NonaException is the plugin's bug, named so.
            throw new NonaException(
                $"{context.Where}: the {entry.Kind.ToString().ToLowerInvariant()} plugin '{entry.Name}' ({entry.Source}) threw {e.GetType().Name} while creating it ({e.Message.ReplaceLineEndings(" ")}); fix the plugin or report it to its author", e);
        }


        return product as T ?? throw new NonaException(
            $"plugin '{entry.Name}' ({entry.Source}) made a {product?.GetType().Name ?? "null"} where a {entry.Kind.ToString().ToLowerInvariant()} plugin must make a {typeof(T).Name}; fix the plugin");
    }
}
