using System.Text.Json;
using Nona.Host.Discovery;
using Nona.Host.Output;
using Nona.Host.Recipes;

namespace Nona.Host.Models;

/// <summary>
/// The resolved recipe a model folder keeps (<c>recipe.yaml</c>), loaded with the run's own data root: the copy
/// sits in the model folder, so a relative <c>data.root</c> would otherwise resolve against the wrong folder.
/// </summary>
internal static class ModelRecipe
{
    /// <summary>Loads the recipe of <paramref name="modelFolder"/>, then applies <paramref name="overrides"/> (<c>--set</c> syntax).</summary>
    public static Recipe Load(string modelFolder, IEnumerable<string> overrides, PluginCatalog catalog)
    {
        var description = Path.Combine(modelFolder, "model.json");
        var first = new List<string>();
        if (File.Exists(description))
        {
            using var json = JsonDocument.Parse(File.ReadAllText(description));
            if (json.RootElement.TryGetProperty("data_root", out var root) && root.ValueKind == JsonValueKind.String)
                first.Add($"data.root={JsonSerializer.Serialize(root.GetString())}"); // a JSON string is a YAML scalar
        }

        return RecipeLoader.Load(Path.Combine(modelFolder, ModelStore.RecipeFile), [.. first, .. overrides], catalog);
    }
}
