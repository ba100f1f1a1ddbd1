using Nona.Abstractions;

namespace Nona.TestPlugins.Twins;

/// <summary>Options of the twins (none).</summary>
public sealed class NoOptions;

/// <summary>The first of two exports named <c>twin</c>.</summary>
[NonaPlugin("twin", PluginKind.Regressor, Description = "first twin")]
public sealed class FirstTwinFactory : PluginFactory<NoOptions, IRegressor>
{
    /// <inheritdoc />
    protected override IRegressor Create(NoOptions options, PluginContext context) => throw new NotSupportedException();
}

/// <summary>The second of two exports named <c>twin</c>.</summary>
[NonaPlugin("twin", PluginKind.Regressor, Description = "second twin")]
public sealed class SecondTwinFactory : PluginFactory<NoOptions, IRegressor>
{
    /// <inheritdoc />
    protected override IRegressor Create(NoOptions options, PluginContext context) => throw new NotSupportedException();
}
