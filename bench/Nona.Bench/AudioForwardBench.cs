using System.Diagnostics;
using System.Globalization;
using Nona.Abstractions;
using Nona.Plugins.Audio.Backbones;
using Nona.Plugins.Audio.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace Nona.Bench;

/// <summary>
/// audio-forward: HuBERT-base and Whisper-tiny encoder throughput on CPU, in seconds of audio per second — pooled
/// features in eval mode (what a frozen backbone computes once per clip) and one fine-tuning step (forward +
/// backward, batch as the recipes' fine-tuning would run). The weights are the modules' own random initialisation:
/// the arithmetic does not depend on their values.
/// </summary>
internal static class AudioForwardBench
{
    private const int Rounds = 3;

    public static void Run(int threads)
    {
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}; torch threads {threads}");
        Console.WriteLine("| model | input | eval, pooled (audio s / s) | fine-tuning step, forward + backward (audio s / s) |");
        Console.WriteLine("| --- | --- | --- | --- |");
        torch.manual_seed(0);

        // HuBERT-base: 8 clips of 1 s (COUGHVID's crop), the CNN feature encoder frozen as in fine-tuning.
        using (var hubert = new HubertBackbone(new HubertModel(new HubertConfig()), frozen: false, freezeFeatureEncoder: true, fingerprint: null))
            Report("HuBERT-base", hubert, clips: 8, samples: 16_000, secondsPerClip: 1);

        // Whisper-tiny: every clip is padded to 30 s, so a clip costs 30 s of audio whatever its length.
        using (var whisper = new WhisperBackbone(new WhisperEncoder(new WhisperConfig()), WhisperPooling.All, frozen: false, fingerprint: null))
            Report("Whisper-tiny encoder", whisper, clips: 2, samples: 480_000, secondsPerClip: 30);
    }

    private static void Report(string name, FeatureExtractor backbone, int clips, int samples, double secondsPerClip)
    {
        using var values = torch.randn(clips, samples) * 0.1f;
        using var batch = new InputBatch(values.alias());
        var audio = clips * secondsPerClip;

        backbone.eval();
        double inference;
        using (no_grad())
        {
            backbone.call(batch).Dispose(); // warm-up
            inference = audio * Rounds / Time(() => backbone.call(batch).Dispose());
        }

        backbone.train();
        var parameters = backbone.parameters().Where(p => p.requires_grad).ToList();
        void Step()
        {
            using var scope = NewDisposeScope();
            backbone.call(batch).square().mean().backward();
            foreach (var parameter in parameters)
                parameter.grad?.zero_();
        }

        Step(); // warm-up
        var training = audio * Rounds / Time(Step);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {clips} × {secondsPerClip:0} s | {inference:F1} | {training:F1} |"));
    }

    private static double Time(Action work)
    {
        var clock = Stopwatch.StartNew();
        for (var r = 0; r < Rounds; r++)
            work();
        return clock.Elapsed.TotalSeconds;
    }
}
