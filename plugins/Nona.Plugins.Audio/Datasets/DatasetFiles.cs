using Nona.Abstractions;

namespace Nona.Plugins.Audio.Datasets;

/// <summary>
/// What the audio datasets with a fixed layout share: the recipe location for messages and the data-root checks
/// whose one-line errors name the recipe key, the expected layout, where to get the data and <c>--set data.root=DIR</c>.
/// </summary>
internal static class DatasetFiles
{
    public static string Where(PluginContext context) => $"{context.RecipePath}: {context.RecipeKey}";

    /// <summary>The file at <paramref name="relative"/> under data.root, or a one-line error naming data.root and the fix.</summary>
    public static string RequireFile(PluginContext context, string key, string relative, string what, string getIt)
    {
        var root = Path.GetFullPath(context.DataRoot);
        var path = Path.GetFullPath(relative, root);
        if (!File.Exists(path))
            throw new NonaException($"{Where(context)}.{key}: {what} not found: {path} (data.root is {root}); {getIt}, then pass --set data.root=DIR");
        return path;
    }

    /// <summary>The folder at <paramref name="relative"/> under data.root, or a one-line error naming data.root and the fix.</summary>
    public static string RequireFolder(PluginContext context, string key, string relative, string what, string getIt)
    {
        var root = Path.GetFullPath(context.DataRoot);
        var path = Path.GetFullPath(relative, root);
        if (!Directory.Exists(path))
            throw new NonaException($"{Where(context)}.{key}: {what} not found: {path} (data.root is {root}); {getIt}, then pass --set data.root=DIR");
        return path;
    }

    /// <summary>Joins names for a message, listing the first few and counting the rest.</summary>
    public static string List(IReadOnlyCollection<string> names, int shown = 10) =>
        names.Count <= shown ? string.Join(", ", names) : $"{string.Join(", ", names.Take(shown))} and {names.Count - shown} more";
}
