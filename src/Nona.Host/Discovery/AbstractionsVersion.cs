using Nona.Abstractions;

namespace Nona.Host.Discovery;

/// <summary>
/// The compatibility rule between a plugin and this host, the one place versions are checked: Nona.Abstractions is
/// semantically versioned, so a plugin built against M.n loads in a host whose Abstractions is M.m with m ≥ n. Only
/// major and minor count (the assembly version is M.n.0.0; patch releases never change it).
/// </summary>
internal static class AbstractionsVersion
{
    /// <summary>The Abstractions version this host carries.</summary>
    public static Version Host { get; } = typeof(IPluginFactory).Assembly.GetName().Version ?? new Version(0, 0);

    /// <summary>Why a plugin built against <paramref name="builtAgainst"/> cannot load in <paramref name="host"/>, or null when it can.</summary>
    public static string? Refusal(Version builtAgainst, Version host)
    {
        ArgumentNullException.ThrowIfNull(builtAgainst);
        ArgumentNullException.ThrowIfNull(host);
        var built = Short(builtAgainst);
        var mine = Short(host);
        var fix = builtAgainst.Major < host.Major
            ? $"rebuild the plugin against Nona.Abstractions {host.Major}.x (at most {mine}), or run it with a nona host {builtAgainst.Major}.x"
            : builtAgainst.Major > host.Major
                ? $"update nona to {builtAgainst.Major}.x, or rebuild the plugin against Nona.Abstractions {host.Major}.x (at most {mine})"
                : builtAgainst.Minor > host.Minor
                    ? $"update nona to {built} or later, or rebuild the plugin against Nona.Abstractions {mine}"
                    : null;
        return fix is null
            ? null
            : $"built against Nona.Abstractions {built}, but this host has {mine} (a plugin loads when the major versions are equal and its minor is at most the host's); {fix}";
    }

    private static string Short(Version version) => $"{version.Major}.{version.Minor}";
}
