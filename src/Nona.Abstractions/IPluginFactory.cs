namespace Nona.Abstractions;

/// <summary>
/// Creates a plugin's product from its typed options. The host binds the recipe's YAML to an instance of
/// <see cref="OptionsType"/> (validating names, types and <c>[Range]</c>s) before calling <see cref="Create"/>.
/// </summary>
public interface IPluginFactory
{
    /// <summary>
    /// A class with a public parameterless constructor whose public settable properties are the plugin's options;
    /// the constructor's values are the defaults. Supported property types: bool, int, long, double, string, enums,
    /// <see cref="IList{T}"/> of those, and <see cref="PluginReference"/>.
    /// </summary>
    Type OptionsType { get; }

    /// <summary>
    /// Makes the product (see <see cref="PluginKind"/> for its type). Throws <see cref="NonaException"/> with a
    /// one-line message for problems the user can fix.
    /// </summary>
    object Create(object options, PluginContext context);
}

/// <summary>Typed base for <see cref="IPluginFactory"/>: most plugins derive from this.</summary>
/// <typeparam name="TOptions">The options record.</typeparam>
/// <typeparam name="TProduct">What the plugin makes.</typeparam>
public abstract class PluginFactory<TOptions, TProduct> : IPluginFactory
    where TOptions : class, new()
    where TProduct : class
{
    /// <inheritdoc />
    public Type OptionsType => typeof(TOptions);

    /// <inheritdoc />
    public object Create(object options, PluginContext context) => Create((TOptions)options, context);

    /// <summary>Makes the product from typed options.</summary>
    protected abstract TProduct Create(TOptions options, PluginContext context);
}
