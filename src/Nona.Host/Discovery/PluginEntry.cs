using Nona.Abstractions;

namespace Nona.Host.Discovery;

/// <summary>One discovered plugin: its metadata, its factory and the file it came from.</summary>
internal sealed record PluginEntry(string Name, PluginKind Kind, string Description, IPluginFactory Factory, string Source)
{
    /// <summary>The type a factory of this kind must return.</summary>
    public Type ProductType => ProductTypeOf(Kind);

    /// <summary>The product type of <paramref name="kind"/>.</summary>
    public static Type ProductTypeOf(PluginKind kind) => kind switch
    {
        PluginKind.Dataset => typeof(IDataset),
        PluginKind.Backbone => typeof(FeatureExtractor),
        PluginKind.Projector => typeof(Projector),
        PluginKind.Head => typeof(RegressionHead),
        PluginKind.SoftStep => typeof(SoftStepMask),
        PluginKind.Regressor => typeof(IRegressor),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}
