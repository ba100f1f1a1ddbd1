using System.Diagnostics;
using System.Globalization;
using Nona.Plugins.Audio.Pipeline;

namespace Nona.Bench;

/// <summary>
/// audio-decode: for each audio file in a folder, the rate of the audio pipeline's front half — decode, mix to mono,
/// resample to 16 kHz (<see cref="AudioDecoder.ReadMono"/> then <see cref="AudioDecoder.Resample"/>) — on one thread,
/// in seconds of audio per second of wall time (and per second of the process's CPU time).
/// </summary>
internal static class AudioDecodeBench
{
    private static readonly TimeSpan PerFile = TimeSpan.FromSeconds(2);

    // Seconds of audio handled per second of wall time and per second of this process's CPU time, repeating `work`
    // for PerFile. On a shared machine the CPU-time rate is the steadier figure (wall time counts other processes).
    private static (double Wall, double Cpu) Speed(double seconds, Action work)
    {
        var runs = 0;
        var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < PerFile)
        {
            work();
            runs++;
        }

        var wall = clock.Elapsed.TotalSeconds;
        process.Refresh();
        return (runs * seconds / wall, runs * seconds / (process.TotalProcessorTime - cpu).TotalSeconds);
    }

    public static void Run(string folder)
    {
        var files = Directory.GetFiles(folder).Order(StringComparer.Ordinal).ToArray();
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}; one decode thread; {folder}");
        Console.WriteLine("| file | audio | decode + mono (wall / CPU) | decode + mono + resample to 16 kHz (wall / CPU) |");
        Console.WriteLine("| --- | --- | --- | --- |");
        foreach (var path in files)
        {
            var (mono, rate) = AudioDecoder.ReadMono(path); // warm-up (JIT) and the clip's length
            AudioDecoder.Resample(mono, rate);
            var seconds = (double)mono.Length / rate;
            var decode = Speed(seconds, () => AudioDecoder.ReadMono(path));
            var pipeline = Speed(seconds, () =>
            {
                var (samples, sampleRate) = AudioDecoder.ReadMono(path);
                AudioDecoder.Resample(samples, sampleRate);
            });
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {Path.GetFileName(path)} | {seconds:F2} s at {rate} Hz | {decode.Wall:N0} / {decode.Cpu:N0} s/s | {pipeline.Wall:N0} / {pipeline.Cpu:N0} s/s |"));
        }
    }
}
