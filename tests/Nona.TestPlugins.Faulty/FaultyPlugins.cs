using Nona.Abstractions;

namespace Nona.TestPlugins.Faulty;

/// <summary>Options shared by the faulty plugins (none).</summary>
public sealed class NoOptions;

/// <summary>A factory whose constructor throws, as one that needs a missing licence file would.</summary>
[NonaPlugin("throws-on-construct", PluginKind.Head, Description = "its constructor throws")]
public sealed class ThrowsOnConstructFactory : PluginFactory<NoOptions, RegressionHead>
{
    /// <summary>Always throws.</summary>
    public ThrowsOnConstructFactory() => throw new InvalidOperationException("licence file acme.lic not found");

    /// <inheritdoc />
    protected override RegressionHead Create(NoOptions options, PluginContext context) => throw new NotSupportedException();
}

/// <summary>A factory that constructs but throws a non-Nona exception when it makes its product.</summary>
[NonaPlugin("throws-in-create", PluginKind.Regressor, Description = "its Create throws")]
public sealed class ThrowsInCreateFactory : PluginFactory<NoOptions, IRegressor>
{
    /// <inheritdoc />
    protected override IRegressor Create(NoOptions options, PluginContext context) => throw new InvalidOperationException("model table is empty");
}
