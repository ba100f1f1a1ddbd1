using Nona.Abstractions;

namespace Nona.Plugins.Audio.Datasets;

/// <summary>
/// What the audio datasets' messages share (the data-root checks themselves are <see cref="PluginContext.RequireDataFile"/>
/// and <see cref="PluginContext.RequireDataFolder"/>).
/// </summary>
internal static class DatasetFiles
{
    /// <summary>Joins names for a message, listing the first few and counting the rest.</summary>
    public static string List(IReadOnlyCollection<string> names, int shown = 10) =>
        names.Count <= shown ? string.Join(", ", names) : $"{string.Join(", ", names.Take(shown))} and {names.Count - shown} more";
}
