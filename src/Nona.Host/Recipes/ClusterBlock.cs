using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace Nona.Host.Recipes;

/// <summary>
/// The recipe's optional <c>cluster:</c> block — <c>cluster: {slurm: {partition: gpu, time: "04:00:00",
/// gpus-per-task: 1, array-limit: 8}}</c> — the resources <c>nona submit</c> asks for, as <c>KEY=VALUE</c> texts in
/// the syntax of <c>--slurm</c> (which overrides them). <c>nona run</c> ignores it; a key without a value
/// (<c>exclusive:</c>) is an sbatch flag.
/// </summary>
internal static class ClusterBlock
{
    /// <summary>The <c>cluster.slurm</c> options as texts; problems are added for anything else.</summary>
    public static IReadOnlyList<string> Slurm(YamlMappingNode root, RecipeProblems problems)
    {
        if (!root.Children.TryGetValue(new YamlScalarNode("cluster"), out var node))
            return [];
        if (node is not YamlMappingNode cluster)
        {
            problems.Add(node, "cluster must be a mapping, e.g. cluster: {slurm: {partition: gpu, time: \"04:00:00\"}}");
            return [];
        }

        var texts = new List<string>();
        foreach (var (keyNode, value) in cluster.Children)
        {
            var key = ((YamlScalarNode)keyNode).Value;
            if (key != "slurm")
            {
                problems.Add(keyNode, $"cluster: unknown key {UserValue.Quote(key ?? "")}; known keys: slurm (see docs/cluster.md)");
                continue;
            }

            if (value is not YamlMappingNode slurm)
            {
                problems.Add(value, "cluster.slurm must be a mapping of sbatch options, e.g. {partition: gpu, gpus-per-task: 1}");
                continue;
            }

            foreach (var (optionNode, optionValue) in slurm.Children)
            {
                var option = ((YamlScalarNode)optionNode).Value ?? "";
                switch (optionValue)
                {
                    case YamlScalarNode { Value: null or "" }:
                        texts.Add(option);
                        break;
                    case YamlScalarNode scalar:
                        texts.Add(string.Create(CultureInfo.InvariantCulture, $"{option}={scalar.Value}"));
                        break;
                    default:
                        problems.Add(optionValue, $"cluster.slurm.{option} must be a single value (a number or text), e.g. {option}: 1");
                        break;
                }
            }
        }

        return texts;
    }
}
