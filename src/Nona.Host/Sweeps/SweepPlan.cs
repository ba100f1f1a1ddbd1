using Nona.Host.Recipes;
using YamlDotNet.RepresentationModel;

namespace Nona.Host.Sweeps;

/// <summary>How a sweep walks its stages.</summary>
internal enum SweepMode
{
    /// <summary>Every combination of every stage's values.</summary>
    Grid,

    /// <summary>The paper's serialized ablation: each stage tries its values with earlier winners fixed.</summary>
    Serial,
}

/// <summary>One swept key and its candidate values (YAML text, as a <c>--set</c> value).</summary>
internal sealed record SweepStage(string Key, IReadOnlyList<string> Values);

/// <summary>
/// A recipe's <c>sweep:</c> block: <c>mode</c> (grid | serial), <c>select_method</c> (the method whose mean
/// validation MSE picks winners; default the first head's label) and <c>stages</c>, each a <c>key</c> (a dotted
/// recipe path, as for <c>--set</c>) with <c>values</c>.
/// </summary>
internal sealed record SweepPlan(SweepMode Mode, string? SelectMethod, IReadOnlyList<SweepStage> Stages)
{
    private static readonly string[] Keys = ["mode", "select_method", "stages"];

    /// <summary>Reads the block, reporting each problem at its position; null when the recipe has no sweep.</summary>
    public static SweepPlan? Parse(YamlMappingNode root, RecipeProblems problems)
    {
        if (RecipeLoader.Child(root, "sweep") is not { } node)
            return null;
        if (node is not YamlMappingNode sweep)
        {
            problems.Add(node, "sweep must be a mapping with mode, select_method and stages");
            return null;
        }

        foreach (var key in sweep.Children.Keys.Cast<YamlScalarNode>().Where(k => !Keys.Contains(k.Value)))
            problems.Add(key, $"unknown key {UserValue.Quote($"sweep.{key.Value}")}; known keys: {string.Join(", ", Keys)}.{NameSuggester.Hint(key.Value ?? "", Keys)}");

        var mode = SweepMode.Serial;
        if (RecipeLoader.Child(sweep, "mode") is { } modeNode)
        {
            var text = (modeNode as YamlScalarNode)?.Value;
            if (!Enum.TryParse(text, ignoreCase: true, out mode) || !Enum.IsDefined(mode))
                problems.Add(modeNode, $"sweep.mode must be grid or serial (got {UserValue.Quote(text)})");
        }

        var select = (RecipeLoader.Child(sweep, "select_method") as YamlScalarNode)?.Value;
        var stages = new List<SweepStage>();
        if (RecipeLoader.Child(sweep, "stages") is not YamlSequenceNode stageNodes || stageNodes.Children.Count == 0)
        {
            problems.Add(RecipeLoader.Child(sweep, "stages") ?? sweep, "sweep.stages must be a non-empty list of {key: ..., values: [...]}");
            return null;
        }

        for (var i = 0; i < stageNodes.Children.Count; i++)
        {
            var stage = stageNodes.Children[i] as YamlMappingNode;
            var key = stage is null ? null : (RecipeLoader.Child(stage, "key") as YamlScalarNode)?.Value;
            var values = stage is null ? null : RecipeLoader.Child(stage, "values") as YamlSequenceNode;
            if (string.IsNullOrWhiteSpace(key) || values is null || values.Children.Count == 0)
            {
                problems.Add(stageNodes.Children[i], $"sweep.stages[{i}] needs key: (a recipe path such as heads[0].similarity) and a non-empty values: list");
                continue;
            }

            stages.Add(new SweepStage(key, [.. values.Children.Select(Flow)]));
        }

        return new SweepPlan(mode, select, stages);
    }

    /// <summary>A node as one line of flow YAML, for a <c>--set KEY=VALUE</c> override.</summary>
    private static string Flow(YamlNode node)
    {
        foreach (var child in node.AllNodes)
        {
            if (child is YamlMappingNode mapping)
                mapping.Style = YamlDotNet.Core.Events.MappingStyle.Flow;
            else if (child is YamlSequenceNode sequence)
                sequence.Style = YamlDotNet.Core.Events.SequenceStyle.Flow;
        }

        using var writer = new StringWriter();
        new YamlStream(new YamlDocument(node)).Save(writer, assignAnchors: false);
        return writer.ToString().Replace("...", "", StringComparison.Ordinal).Trim();
    }
}
