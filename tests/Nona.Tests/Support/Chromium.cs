using System.Diagnostics;
using Xunit;

namespace Nona.Tests.Support;

/// <summary>Headless Chromium for checks of the HTML pages as a browser renders them.</summary>
public static class Chromium
{
    /// <summary>Set to 1 (as .ci/run does once it has installed chromium) to fail rather than skip without it.</summary>
    public const string RequiredVariable = "NONA_REQUIRE_CHROMIUM";

    /// <summary>The browser's path, or null when none is installed.</summary>
    public static string? Path { get; } = new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome" }.FirstOrDefault(File.Exists);

    /// <summary>Renders <paramref name="page"/> after its scripts ran; returns the serialised DOM.</summary>
    public static string DumpDom(string page) => Run("--virtual-time-budget=10000", "--dump-dom", new Uri(page).AbsoluteUri);

    /// <summary>Writes a PNG screenshot of <paramref name="page"/> at the given window size.</summary>
    public static void Screenshot(string page, string png, int width, int height) =>
        Run($"--screenshot={png}", $"--window-size={width},{height}", "--hide-scrollbars", "--virtual-time-budget=10000", new Uri(page).AbsoluteUri);

    private static string Run(params string[] args)
    {
        var start = new ProcessStartInfo(Path ?? throw new InvalidOperationException("chromium is not installed"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // A throwaway profile: concurrent test processes must not share one, and root needs --no-sandbox.
        var profile = Directory.CreateTempSubdirectory("nona-chromium-");
        foreach (var a in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", $"--user-data-dir={profile.FullName}" }.Concat(args))
            start.ArgumentList.Add(a);
        try
        {
            using var process = Process.Start(start)!;
            var errors = process.StandardError.ReadToEndAsync();
            var output = process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(120_000))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException("chromium did not finish in 120 s");
            }

            Assert.True(process.ExitCode == 0, $"chromium exited {process.ExitCode}: {errors.Result}");
            return output;
        }
        finally
        {
            profile.Delete(recursive: true);
        }
    }
}

/// <summary>A fact that needs Chromium: skipped, with the reason shown, where none is installed and it is not required.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (Chromium.Path is null && Environment.GetEnvironmentVariable(Chromium.RequiredVariable) != "1")
            Skip = $"chromium is not installed (apt-get install chromium); set {Chromium.RequiredVariable}=1 to fail instead";
    }
}
