using Nona.Host.Recipes;

namespace Nona.Host.Units;

/// <summary>
/// The order of a run's units, which is also their stable index: datasets in recipe order, then splits, then the
/// heads in recipe order followed by the split's baselines. <see cref="Protocol.ExperimentRunner"/> runs them in
/// this order, and a cluster array task maps its task id to the unit at that index.
/// </summary>
internal static class UnitPlan
{
    /// <summary>Every unit of <paramref name="recipe"/> over the loaded datasets' names, in run order.</summary>
    public static IReadOnlyList<UnitKey> Keys(Recipe recipe, IEnumerable<string> datasetNames)
    {
        var keys = new List<UnitKey>();
        foreach (var name in datasetNames)
        {
            for (var k = 0; k < recipe.Evaluation.Splits; k++)
            {
                foreach (var head in recipe.Heads)
                    keys.Add(new UnitKey(name, k, head.Label));
                keys.Add(new UnitKey(name, k, UnitKey.Baselines));
            }
        }

        return keys;
    }
}
