using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Nona.Host.Recipes;

/// <summary>
/// Applies <c>--set KEY=VALUE</c> to the parsed recipe: KEY is a dotted path with list items by index
/// (<c>training.batch_size</c>, <c>heads[1].similarity</c>); VALUE is read as YAML, so
/// <c>--set evaluation.baselines=[linear]</c> works. Missing mapping keys are created; list items must exist.
/// </summary>
internal static partial class SetOverrides
{
    /// <summary>Applies each override in order; problems are reported against the argument.</summary>
    public static void Apply(YamlMappingNode root, IEnumerable<string> arguments, RecipeProblems problems)
    {
        foreach (var argument in arguments)
        {
            var equals = argument.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                problems.AddOverride(argument, "expected KEY=VALUE, e.g. --set training.batch_size=64");
                continue;
            }

            var path = argument[..equals].Trim();
            if (Parse(argument[(equals + 1)..], argument, problems) is not { } value)
                continue;
            problems.MarkOverride(value, argument);
            Assign(root, path, value, argument, problems);
        }
    }

    private static YamlNode? Parse(string text, string argument, RecipeProblems problems)
    {
        if (text.Length == 0)
            return new YamlScalarNode("");
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            return stream.Documents.Count == 0 ? new YamlScalarNode("") : stream.Documents[0].RootNode;
        }
        catch (YamlException e)
        {
            problems.AddOverride(argument, $"the value is not valid YAML ({UserValue.Cap(e.Message)})");
            return null;
        }
    }

    private static void Assign(YamlMappingNode root, string path, YamlNode value, string argument, RecipeProblems problems)
    {
        var segments = path.Split('.');
        YamlNode current = root;
        var walked = "";
        for (var s = 0; s < segments.Length; s++)
        {
            var match = SegmentPattern().Match(segments[s]);
            if (!match.Success)
            {
                problems.AddOverride(argument, $"{UserValue.Quote(segments[s])} is not a key; write keys like training.batch_size or heads[1].similarity");
                return;
            }

            var key = match.Groups["key"].Value;
            var indices = match.Groups["index"].Captures.Select(c => int.Parse(c.Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
            var last = s == segments.Length - 1 && indices.Count == 0;
            walked = walked.Length == 0 ? key : $"{walked}.{key}";
            if (current is not YamlMappingNode mapping)
            {
                problems.AddOverride(argument, $"{UserValue.Quote(walked)} cannot be set: its parent is not a mapping");
                return;
            }

            var keyNode = new YamlScalarNode(key);
            if (last)
            {
                mapping.Children[keyNode] = value;
                return;
            }

            if (!mapping.Children.TryGetValue(keyNode, out var child))
            {
                if (indices.Count > 0)
                {
                    problems.AddOverride(argument, $"{UserValue.Quote(walked)} is not in the recipe, so it has no item {indices[0]}");
                    return;
                }

                child = new YamlMappingNode();
                mapping.Children[keyNode] = child;
            }

            for (var i = 0; i < indices.Count; i++)
            {
                if (child is not YamlSequenceNode sequence || indices[i] >= sequence.Children.Count)
                {
                    var count = (child as YamlSequenceNode)?.Children.Count ?? 0;
                    problems.AddOverride(argument, $"{UserValue.Quote(walked)} has {count} item(s), so index {indices[i]} does not exist (indices start at 0)");
                    return;
                }

                walked += $"[{indices[i]}]";
                if (s == segments.Length - 1 && i == indices.Count - 1)
                {
                    sequence.Children[indices[i]] = value;
                    return;
                }

                child = sequence.Children[indices[i]];
            }

            current = child;
        }
    }

    [GeneratedRegex(@"^(?<key>[A-Za-z_][A-Za-z0-9_\-]*)(\[(?<index>\d+)\])*$")]
    private static partial Regex SegmentPattern();
}
