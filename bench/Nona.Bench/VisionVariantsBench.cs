using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Nona.Plugins.Vision.Modules;
using TorchSharp;
using static TorchSharp.torch;
using Tensor = TorchSharp.torch.Tensor;

namespace Nona.Bench;

/// <summary>
/// Frozen ResNet feature extraction, each eval-path change measured on its own against ONNX Runtime on the same
/// weights (the DnnImageFeaturizer ResNet, [2, 2, 2, 3] at 224): the module under no_grad (what the framework did),
/// under inference_mode, with BatchNorm folded, folded and channels-last, at batch 1 (the ONNX file's batch) and
/// larger batches. The variants run interleaved, round by round, so load changes hit them alike.
/// </summary>
internal static class VisionVariantsBench
{
    private const int Images = 32;

    public static void Run(int threads, int rounds)
    {
        var onnxPath = Path.Combine(AppContext.BaseDirectory, "models", "dnn-resnet18", "ResNet18.onnx");
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores; torch threads {threads}; ONEDNN_MAX_CPU_ISA={Environment.GetEnvironmentVariable("ONEDNN_MAX_CPU_ISA") ?? "(unset)"}; {Images} images per variant per round, {rounds} rounds; load {Load()}");
        var input = new float[Images * 3 * 224 * 224];
        var random = new Random(1);
        for (var i = 0; i < input.Length; i++)
            input[i] = (float)((random.NextDouble() * 255) - 120);

        using var network = OnnxResNetImporter.LoadResNet(onnxPath);
        network.eval();
        using var folded = FoldedResNet.Of(network, channelsLast: false);
        using var foldedLast = FoldedResNet.Of(network, channelsLast: true);
        using var all = torch.tensor(input, [Images, 3, 224, 224]);
        using var options = new SessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1 };
        using var session = new InferenceSession(onnxPath, options);
        var inputName = session.InputMetadata.Keys.Single();

        CheckAgreement(network, folded, foldedLast, all);

        var variants = new List<(string Name, Action<int> Run, int Batch)>();
        foreach (var batch in new[] { 1, 8, 32 })
        {
            variants.Add(($"module, no_grad, batch {batch}", b => Batches(all, b, x => { using var g = no_grad(); network.call(x).Dispose(); }), batch));
            variants.Add(($"module, inference_mode, batch {batch}", b => Batches(all, b, x => { using var g = inference_mode(); network.call(x).Dispose(); }), batch));
            variants.Add(($"folded BN, inference_mode, batch {batch}", b => Batches(all, b, x => { using var g = inference_mode(); folded.Forward(x).Dispose(); }), batch));
            variants.Add(($"folded BN + channels-last, inference_mode, batch {batch}", b => Batches(all, b, x => { using var g = inference_mode(); foldedLast.Forward(x).Dispose(); }), batch));
        }

        variants.Add(("ONNX Runtime, batch 1", _ => OnnxImages(session, inputName, input), 1));
        foreach (var (_, run, batch) in variants)
            run(batch); // warm-up: first calls pick kernels and allocate

        var seconds = new double[variants.Count];
        for (var r = 0; r < rounds; r++)
        {
            for (var v = 0; v < variants.Count; v++)
            {
                var clock = Stopwatch.StartNew();
                variants[v].Run(variants[v].Batch);
                seconds[v] += clock.Elapsed.TotalSeconds;
            }
        }

        var ort = Images * rounds / seconds[^1];
        for (var v = 0; v < variants.Count; v++)
        {
            var rate = Images * rounds / seconds[v];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{variants[v].Name,-58} {rate,7:F1} images/s   ours / ONNX Runtime: {rate / ort:F2}"));
        }

        Console.WriteLine($"load at the end: {Load()}");
    }

    // Folding rounds differently from a convolution followed by a normalisation: the features agree to float32
    // accuracy, not bit for bit. Printed so a reader sees the size of the change the cache fingerprint records.
    private static void CheckAgreement(ResNet network, FoldedResNet folded, FoldedResNet foldedLast, Tensor all)
    {
        using var scope = NewDisposeScope();
        using var g = no_grad();
        var x = all.narrow(0, 0, 4);
        var reference = network.call(x);
        foreach (var (name, candidate) in new[] { ("folded", folded.Forward(x)), ("folded + channels-last", foldedLast.Forward(x)) })
        {
            var relative = (candidate - reference).abs().max().item<float>() / reference.abs().max().item<float>();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name} vs module features: max |Δ| / max |feature| = {relative:E2}"));
            if (relative > 1e-4)
                Console.WriteLine("  DISAGREES: on an AVX-512 CPU run with ONEDNN_MAX_CPU_ISA=AVX2, as nona run does (src/Nona.Host/Torch/OneDnnIsaCap.cs): oneDNN's AVX-512 kernels compute channels-last convolutions wrongly here");
        }
    }

    private static void Batches(Tensor all, int batch, Action<Tensor> forward)
    {
        for (var start = 0; start < Images; start += batch)
        {
            using var x = all.narrow(0, start, batch);
            forward(x);
        }
    }

    private static void OnnxImages(InferenceSession session, string name, float[] input)
    {
        const int Size = 3 * 224 * 224;
        for (var i = 0; i < Images; i++)
        {
            var one = new DenseTensor<float>(input.AsMemory(i * Size, Size), [1, 3, 224, 224]);
            using var result = session.Run([NamedOnnxValue.CreateFromTensor(name, one)]);
        }
    }

    private static string Load() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
}
