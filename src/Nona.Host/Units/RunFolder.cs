using Nona.Abstractions;
using Nona.Host.Recipes;

namespace Nona.Host.Units;

/// <summary>The rules of a run folder: a new run needs an empty one; a resumed one needs its manifest and the same recipe.</summary>
internal static class RunFolder
{
    /// <summary>Refuses a folder that already holds files (earlier results must not mix with these).</summary>
    public static void RequireFresh(string folder)
    {
        if (Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any())
        {
            var hint = File.Exists(Path.Combine(folder, RunManifest.FileName)) ? $"; to continue that run: nona run --resume {Display(folder)}" : "; choose a new folder";
            throw new NonaException($"--out {folder}: the folder already holds files{hint}");
        }
    }

    /// <summary>The manifest of a folder to resume; one clear line when it is not a resumable run folder.</summary>
    public static RunManifest RequireManifest(string folder)
    {
        if (!Directory.Exists(folder))
            throw new NonaException($"--resume {folder}: no such folder; give the run folder that `nona run … --out` wrote");
        return RunManifest.Read(folder)
            ?? throw new NonaException($"--resume {folder}: no {RunManifest.FileName} in it, so it is not a resumable run folder (runs made before resumable runs cannot be continued); start a new run");
    }

    /// <summary>Refuses to resume with a recipe that resolves differently from the recorded one, naming the keys.</summary>
    public static void RequireSameRecipe(string folder, RunManifest recorded, Recipe recipe)
    {
        var differing = RunManifest.DifferingKeys(recorded.ResolvedRecipe, recipe.ResolvedText());
        if (differing.Count > 0)
        {
            var shown = differing.Count <= 8 ? string.Join(", ", differing) : $"{string.Join(", ", differing.Take(8))} and {differing.Count - 8} more";
            throw new NonaException($"--resume {folder}: the recipe differs from the one this run started with ({shown}); resume with the same recipe and --set values, or start a new run folder");
        }
    }

    /// <summary>The folder as a user would type it: relative to the working folder when inside it.</summary>
    public static string Display(string folder)
    {
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, folder);
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? folder : relative;
    }
}
