using YamlDotNet.RepresentationModel;

namespace Nona.Host.Recipes;

/// <summary>Cross-field rules, checked after every section has bound (Ludwig's second pass).</summary>
internal static class RecipeRules
{
    /// <summary>Adds a problem for each rule the recipe breaks.</summary>
    public static void Check(Recipe recipe, YamlMappingNode root, RecipeProblems problems)
    {
        UniqueLabels(recipe.Heads, "heads", root, problems);
        UniqueLabels(recipe.Datasets.Where(d => d.HasLabel).ToList(), "datasets", root, problems);
        DeviceIsKnown(recipe.Training, root, problems);
        DevelopmentLeavesTraining(recipe.Evaluation, root, problems);
    }

    /// <summary>Each head's method name (its label, else its plugin name) must be unique, or results would merge.</summary>
    private static void UniqueLabels(IReadOnlyList<PluginSpec> specs, string key, YamlMappingNode root, RecipeProblems problems)
    {
        foreach (var group in specs.GroupBy(s => s.Label).Where(g => g.Count() > 1))
        {
            problems.Add(RecipeLoader.Child(root, key), $"{key}: {UserValue.Quote(group.Key)} is used by {string.Join(" and ", group.Select(g => g.Key))}; give each a distinct 'label:'");
        }
    }

    /// <summary>training.device is auto, cpu, cuda or cuda:N.</summary>
    private static void DeviceIsKnown(TrainingOptions training, YamlMappingNode root, RecipeProblems problems)
    {
        if (!Torch.DeviceSelector.IsValid(training.Device))
            problems.Add(Section(root, "training", "device"), $"training.device must be auto, cpu, cuda or cuda:N (got {UserValue.Quote(training.Device)})");
    }

    /// <summary>The test and validation shares must leave a training split.</summary>
    private static void DevelopmentLeavesTraining(EvaluationOptions evaluation, YamlMappingNode root, RecipeProblems problems)
    {
        var trainShare = (1 - evaluation.TestFraction) * (1 - evaluation.ValFraction);
        if (trainShare < 0.05)
            problems.Add(Section(root, "evaluation", null), $"evaluation.test_fraction and val_fraction leave {trainShare:P0} of the data for training; lower them");
    }

    private static YamlNode? Section(YamlMappingNode root, string section, string? key)
    {
        var node = RecipeLoader.Child(root, section);
        return key is not null && node is YamlMappingNode mapping ? RecipeLoader.Child(mapping, key) ?? node : node;
    }
}
