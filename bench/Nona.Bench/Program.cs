using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Nona.Plugins.Vision.Modules;
using Nona.Plugins.Vision.Pipeline;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp;
using static TorchSharp.torch;

// Benchmarks written for docs/performance.md. vision: pooled-feature throughput of our ResNet against ONNX Runtime
// on the same weights and inputs (one process), and the image pipeline's decode rate against what the model consumes.
// text: our BERT against ONNX Runtime on the MiniLM weights (tokens/s), and tokenizer throughput.
// audio-decode [FOLDER]: decode + mono + 16 kHz resample rate per audio file (seconds of audio per second).
// audio-forward [THREADS]: HuBERT-base and Whisper-tiny encoder throughput, eval and fine-tuning step.
// knn [ROWSxWIDTH...] [--threads N] [--no-sklearn]: the two-stage k-NN grid search against scikit-learn's.
// vision-variants [THREADS] [ROUNDS]: each frozen-ResNet eval change (inference_mode, folded BN, channels-last, batch) vs ORT.
// loop [ROUNDS]: the framework's trainer against a hand-written TorchSharp loop on the same model and batches.
if (args.FirstOrDefault() == "loop")
{
    Nona.Bench.LoopBench.Run(args[1..]);
    return;
}

if (args.FirstOrDefault() == "knn")
{
    Nona.Bench.KnnBench.Run(args[1..]);
    return;
}

if (args.FirstOrDefault() == "audio-decode")
{
    Nona.Bench.AudioDecodeBench.Run(args.Length > 1 ? args[1] : Path.Combine("tests", "fixtures", "audio"));
    return;
}

var threads = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : Environment.ProcessorCount;
torch.set_num_threads(threads);
if (args.FirstOrDefault() == "text")
{
    Nona.Bench.TextBench.Run(threads);
    return;
}

if (args.FirstOrDefault() == "vision-variants")
{
    Nona.Bench.VisionVariantsBench.Run(threads, args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 3);
    return;
}

if (args.FirstOrDefault() == "audio-forward")
{
    Nona.Bench.AudioForwardBench.Run(threads);
    return;
}

var folder = Path.Combine(AppContext.BaseDirectory, "models", "dnn-resnet18");
var onnxPath = Path.Combine(folder, "ResNet18.onnx");
Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}; torch threads {threads}");

const int Batch = 8, Rounds = 6;
var input = new float[Batch * 3 * 224 * 224];
var random = new Random(1);
for (var i = 0; i < input.Length; i++)
    input[i] = (float)((random.NextDouble() * 255) - 120);

// Ours: the ResNet imported from the ONNX file, eval mode, no gradients.
using var network = OnnxResNetImporter.LoadResNet(onnxPath);
network.eval();
double ours;
using (no_grad())
using (var x = torch.tensor(input, [Batch, 3, 224, 224]))
{
    network.call(x).Dispose(); // warm-up
    var clock = Stopwatch.StartNew();
    for (var r = 0; r < Rounds; r++)
        network.call(x).Dispose();
    ours = Batch * Rounds / clock.Elapsed.TotalSeconds;
}

// ONNX Runtime on the same file; its input is fixed at batch 1, so it runs Batch × Rounds single images.
double reference;
using (var options = new SessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1 })
using (var session = new InferenceSession(onnxPath, options))
{
    var name = session.InputMetadata.Keys.Single();
    var one = new DenseTensor<float>(input.AsMemory(0, 3 * 224 * 224), [1, 3, 224, 224]);
    using (session.Run([NamedOnnxValue.CreateFromTensor(name, one)])) { } // warm-up
    var clock = Stopwatch.StartNew();
    for (var r = 0; r < Batch * Rounds; r++)
    {
        using var result = session.Run([NamedOnnxValue.CreateFromTensor(name, one)]);
    }

    reference = Batch * Rounds / clock.Elapsed.TotalSeconds;
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ResNet [2,2,2,3] pooled features, 224×224: ours {ours:F1} images/s (batch {Batch}), ONNX Runtime {reference:F1} images/s (batch 1); ratio ours/ORT = {ours / reference:F2}"));

// Decode: 640×480 JPEGs → 224 crops, through ImageInputs.Batches (parallel decode + bounded prefetch).
var images = Directory.CreateTempSubdirectory("nona-bench-");
try
{
    var paths = new List<string>();
    for (var i = 0; i < 96; i++)
    {
        using var image = new Image<Rgb24>(640, 480);
        for (var y = 0; y < 480; y += 2)
        {
            for (var xPixel = 0; xPixel < 640; xPixel += 2)
                image[xPixel, y] = new Rgb24((byte)(xPixel + i), (byte)(y * 2), (byte)(i * 7));
        }

        var path = Path.Combine(images.FullName, $"{i}.jpg");
        image.SaveAsJpeg(path);
        paths.Add(path);
    }

    var inputs = new ImageInputs(paths, new ImageOptions { ImageSize = 224, Resize = 256 });
    var plan = Enumerable.Range(0, paths.Count).Chunk(32).Select(c => c.Select(i => (long)i).ToArray()).ToList();
    foreach (var b in inputs.Batches(plan, ScalarType.Float32, CPU))
        b.Dispose(); // warm-up
    var clock = Stopwatch.StartNew();
    foreach (var b in inputs.Batches(plan, ScalarType.Float32, CPU))
        b.Dispose();
    var decode = paths.Count / clock.Elapsed.TotalSeconds;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"decode 640×480 JPEG → 224 crop via ImageInputs.Batches: {decode:F0} images/s; the model consumes {ours:F1} images/s (inference) — decode/model = {decode / ours:F1}"));
}
finally
{
    images.Delete(recursive: true);
}
