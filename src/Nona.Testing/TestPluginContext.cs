using Nona.Abstractions;
using TorchSharp;

namespace Nona.Testing;

/// <summary>
/// A <see cref="PluginContext"/> for calling a factory in a unit test. The host's own services (its table reader,
/// weight store and plugin resolver) live in the host; a test passes the ones its plugin uses, and any it leaves
/// out throws <see cref="NotSupportedException"/> naming the parameter to pass, so a test never silently depends on
/// the host.
/// </summary>
public static class TestPluginContext
{
    /// <summary>Makes a context.</summary>
    /// <param name="inputDim">The product's input width (the dataset's vector size for a backbone, the embedding size for a head).</param>
    /// <param name="dataRoot">The folder dataset paths resolve against.</param>
    /// <param name="tables">The table reader a dataset reads with.</param>
    /// <param name="weights">The weight store a backbone loads pretrained weights with.</param>
    /// <param name="plugins">The resolver for options that name other plugins.</param>
    /// <param name="seed">The run's seed.</param>
    /// <param name="dtype">Parameter and activation type.</param>
    public static PluginContext Create(
        long inputDim = 0,
        string dataRoot = ".",
        ITableReader? tables = null,
        IWeightStore? weights = null,
        IPluginResolver? plugins = null,
        int seed = 0,
        torch.ScalarType dtype = torch.ScalarType.Float32) => new()
        {
            InputDim = inputDim,
            DataRoot = dataRoot,
            RecipePath = "test.yaml",
            RecipeKey = "plugin",
            Seed = seed,
            DType = dtype,
            Tables = tables ?? new Missing(nameof(tables)),
            Weights = weights ?? new Missing(nameof(weights)),
            Plugins = plugins ?? new Missing(nameof(plugins)),
        };

    private sealed class Missing(string parameter) : ITableReader, IWeightStore, IPluginResolver
    {
        private NotSupportedException Error() =>
            new($"this test's PluginContext has no {parameter}: pass {parameter}: to TestPluginContext.Create");

        public TableData Read(TableRequest request) => throw Error();

        public string Resolve(WeightSource source) => throw Error();

        public IReadOnlyDictionary<string, torch.Tensor> Read(string path) => throw Error();

        public WeightCheckpoint ReadCheckpoint(string path) => throw Error();

        public void LoadInto(torch.nn.Module module, IReadOnlyDictionary<string, torch.Tensor> weights, string source, IReadOnlyCollection<string>? ignored = null) => throw Error();

        public T Create<T>(PluginReference reference, PluginContext context)
            where T : class => throw Error();
    }
}
