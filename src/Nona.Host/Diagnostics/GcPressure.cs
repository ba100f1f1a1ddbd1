using System.Globalization;

namespace Nona.Host.Diagnostics;

/// <summary>
/// <c>NONA_GC_STRESS=MS</c>: a background thread that allocates 1 MiB of garbage and forces a full blocking
/// collection (and runs the finalizers) every MS milliseconds, for the whole process. It makes a finalizer running
/// during a native call likely instead of rare, so a lifetime bug (docs/torch-lifetimes.md) shows within seconds;
/// a correct build is only slower under it. Off unless the variable is set.
/// </summary>
internal static class GcPressure
{
    /// <summary>The variable's name.</summary>
    public const string Variable = "NONA_GC_STRESS";

    /// <summary>Starts the thread when <see cref="Variable"/> holds a positive number of milliseconds.</summary>
    public static void StartIfRequested(TextWriter errors)
    {
        var value = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrEmpty(value))
            return;
        if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var interval) || interval < 0)
        {
            errors.WriteLine($"warning: {Variable}={value} is not a whole number of milliseconds; no GC stress");
            return;
        }

        var thread = new Thread(() => Loop(interval)) { IsBackground = true, Name = "nona-gc-stress" };
        thread.Start();
    }

    private static void Loop(int interval)
    {
        var keep = new byte[4][];
        for (var i = 0L; ; i++)
        {
            keep[i % keep.Length] = new byte[1 << 20]; // survives a few rounds, so collections have work to do
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true);
            GC.WaitForPendingFinalizers();
            if (interval > 0)
                Thread.Sleep(interval);
        }
    }
}
