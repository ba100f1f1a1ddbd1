using Nona.Abstractions;
using TorchSharp;
using static TorchSharp.torch;

namespace Nona.Tests.Support;

/// <summary>A weight store for dataset tests: datasets never load weights, so any call is a test failure.</summary>
internal sealed class NoWeights : IWeightStore
{
    public string Resolve(WeightSource source) => throw new NotSupportedException();

    public IReadOnlyDictionary<string, Tensor> Read(string path) => throw new NotSupportedException();

    public WeightCheckpoint ReadCheckpoint(string path) => throw new NotSupportedException();

    public void LoadInto(nn.Module module, IReadOnlyDictionary<string, Tensor> weights, string source, IReadOnlyCollection<string>? ignored = null) =>
        throw new NotSupportedException();
}

/// <summary>A plugin resolver for dataset tests: datasets create no nested plugins, so any call is a test failure.</summary>
internal sealed class NoPlugins : IPluginResolver
{
    public T Create<T>(PluginReference reference, PluginContext context)
        where T : class => throw new NotSupportedException();
}
