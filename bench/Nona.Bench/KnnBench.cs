using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Nona.Plugins.Heads.Regressors;

namespace Nona.Bench;

/// <summary>
/// The two-stage k-NN (fit: standardise, 5-fold grid search over k/p/weights, keep all rows; then predict) against
/// scikit-learn's KNeighborsRegressor doing the same grid by brute force (bench/knn_sklearn.py), on the same
/// synthetic data, side by side: wall time of each and the ratio ours / scikit-learn, against GridSearchCV and
/// against scikit-learn's search shared over the grid as ours is (one kneighbors per fold and p; the script's docstring).
/// </summary>
/// <remarks>
/// GridSearchCV refits every (k, p, weights) candidate on every fold, so scikit-learn's time grows with the grid and
/// with rows²; above <c>--sklearn-max-rows</c> (default 10 000, about 70 s for scikit-learn at width 64 on 2 cores)
/// only ours runs, so the default cases finish in about 5 minutes.
/// </remarks>
internal static class KnnBench
{
    private static readonly (int Rows, int Width)[] DefaultCases = [(10_000, 64), (100_000, 64)];

    /// <summary>
    /// Arguments: optional cases <c>ROWSxWIDTH</c>, <c>--threads N</c> (ours; 0 = all cores), <c>--no-sklearn</c>,
    /// <c>--sklearn-max-rows N</c>.
    /// </summary>
    public static void Run(string[] args)
    {
        var threads = 0;
        var sklearn = true;
        var sklearnMaxRows = 10_000;
        var cases = new List<(int, int)>();
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--threads")
                threads = int.Parse(args[++i], CultureInfo.InvariantCulture);
            else if (args[i] == "--no-sklearn")
                sklearn = false;
            else if (args[i] == "--sklearn-max-rows")
                sklearnMaxRows = int.Parse(args[++i], CultureInfo.InvariantCulture);
            else
                cases.Add((int.Parse(args[i].Split('x')[0], CultureInfo.InvariantCulture), int.Parse(args[i].Split('x')[1], CultureInfo.InvariantCulture)));
        }

        if (cases.Count == 0)
            cases.AddRange(DefaultCases);
        var script = Path.Combine("bench", "knn_sklearn.py");
        if (sklearn && !File.Exists(script))
            throw new FileNotFoundException($"{script} not found: run from the repository root");
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}; Vector<double> lanes {System.Numerics.Vector<double>.Count}; our threads {(threads == 0 ? "all" : threads)}; {LoadAverage()}");
        Time(Make(2_000, 8, seed: 0), threads); // JIT warm-up, not reported

        foreach (var (rows, width) in cases)
        {
            var data = Make(rows, width, seed: rows + width);
            var (ours, oursDescribe, predictions) = Time(data, threads);
            var line = string.Create(CultureInfo.InvariantCulture, $"{rows}×{width} (+{data.Queries.Length} queries): ours {ours:F2} s [{oursDescribe}]");
            if (sklearn && rows <= sklearnMaxRows)
            {
                var (theirs, shared, theirChoice, theirPredictions) = RunSklearn(script, data);
                var maxDiff = predictions.Zip(theirPredictions, (a, b) => Math.Abs(a - b)).Max();
                line += string.Create(CultureInfo.InvariantCulture, $"; scikit-learn GridSearchCV {theirs:F2} s [{theirChoice}], ratio ours/sklearn {ours / theirs:F3}; scikit-learn shared search {shared:F2} s, ratio {ours / shared:F3}; max |Δprediction| {maxDiff:G3}");
            }

            else if (sklearn)
            {
                line += string.Create(CultureInfo.InvariantCulture, $"; scikit-learn skipped (rows > --sklearn-max-rows {sklearnMaxRows})");
            }

            // Other processes on a shared machine slow either side: the load average says how quiet the run was.
            Console.WriteLine($"{line}; {LoadAverage()}");
        }
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? $"load average {string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3))}" : "load average unknown";

    private static (double Seconds, string Describe, double[] Predictions) Time(Case data, int threads)
    {
        var clock = Stopwatch.StartNew();
        var knn = new KnnRegressor(new KnnOptions { Threads = threads });
        knn.Fit(data.Train, data.Labels);
        var predictions = knn.Predict(data.Queries);
        return (clock.Elapsed.TotalSeconds, knn.Describe(), predictions);
    }

    private static (double Seconds, double SharedSeconds, string Choice, double[] Predictions) RunSklearn(string script, Case data)
    {
        var input = Path.GetTempFileName();
        var output = Path.GetTempFileName();
        try
        {
            using (var file = new BinaryWriter(File.Create(input)))
            {
                foreach (var row in data.Train.Concat(data.Queries))
                    file.Write(MemoryMarshal.AsBytes(row.AsSpan()));
                file.Write(MemoryMarshal.AsBytes(data.Labels.AsSpan()));
            }

            var start = new ProcessStartInfo("/usr/bin/python3", [script, input, $"{data.Train.Length}", $"{data.Queries.Length}", $"{data.Train[0].Length}", output]) { RedirectStandardOutput = true };
            using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start /usr/bin/python3");
            var text = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"{script} failed (exit {process.ExitCode}); it needs scikit-learn for /usr/bin/python3");
            using var json = JsonDocument.Parse(text.Trim().Split('\n')[^1]);
            var bytes = File.ReadAllBytes(output);
            var root = json.RootElement;
            return (root.GetProperty("seconds").GetDouble(), root.GetProperty("shared_seconds").GetDouble(), root.GetProperty("params").ToString(), MemoryMarshal.Cast<byte, double>(bytes).ToArray());
        }
        finally
        {
            File.Delete(input);
            File.Delete(output);
        }
    }

    /// <summary>Gaussian features, a smooth label of the first few plus noise; a quarter as many query rows.</summary>
    private static Case Make(int rows, int width, int seed)
    {
        var random = new Random(seed);
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        double[][] Rows(int n) => [.. Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, width).Select(_ => Normal()).ToArray())];
        var train = Rows(rows);
        var queries = Rows(rows / 4);
        double[] labels = [.. train.Select(r => Math.Sin(r[0]) + (0.5 * r[1] * r[1 % width]) + (0.1 * Normal()))];
        return new Case(train, labels, queries);
    }

    private sealed record Case(double[][] Train, double[] Labels, double[][] Queries);
}
