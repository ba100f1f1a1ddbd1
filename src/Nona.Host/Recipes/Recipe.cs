using Nona.Host.Discovery;
using YamlDotNet.RepresentationModel;

namespace Nona.Host.Recipes;

/// <summary>A validated recipe: every plugin resolved and every option bound.</summary>
internal sealed class Recipe
{
    /// <summary>The recipe file (full path).</summary>
    public required string Path { get; init; }

    /// <summary>The recipe's name (default: the file name without extension).</summary>
    public required string Name { get; init; }

    /// <summary>Base seed: split k uses seed + k.</summary>
    public required int Seed { get; init; }

    /// <summary>The folder dataset paths resolve against (full path).</summary>
    public required string DataRoot { get; init; }

    /// <summary>The cache folder (full path).</summary>
    public required string CacheFolder { get; init; }

    /// <summary>The datasets, in order.</summary>
    public required IReadOnlyList<PluginSpec> Datasets { get; init; }

    /// <summary>The backbone.</summary>
    public required PluginSpec Backbone { get; init; }

    /// <summary>The projector.</summary>
    public required PluginSpec Projector { get; init; }

    /// <summary>The heads, in order; each is trained on every split.</summary>
    public required IReadOnlyList<PluginSpec> Heads { get; init; }

    /// <summary>Training settings.</summary>
    public required TrainingOptions Training { get; init; }

    /// <summary>Evaluation settings.</summary>
    public required EvaluationOptions Evaluation { get; init; }

    /// <summary>The recipe after <c>--set</c> overrides, for run.json and saved models.</summary>
    public required YamlMappingNode Resolved { get; init; }

    /// <summary>The resolved recipe as YAML text (aliases written out by value).</summary>
    public string ResolvedText()
    {
        using var writer = new StringWriter();
        new YamlStream(new YamlDocument(Resolved)).Save(writer, assignAnchors: false);
        return writer.ToString();
    }

    /// <summary>The <c>cluster.slurm</c> options for <c>nona submit</c>, as <c>KEY=VALUE</c> texts (<c>--slurm</c> overrides them).</summary>
    public IReadOnlyList<string> ClusterSlurm { get; init; } = [];

    /// <summary>The <c>sweep:</c> block, or null for a single run.</summary>
    public Sweeps.SweepPlan? Sweep { get; init; }
}

/// <summary>One plugin use in a recipe.</summary>
/// <param name="Key">Its dotted recipe key (<c>heads[1]</c>).</param>
/// <param name="Label">The name in results (<c>label:</c>, else the plugin's name; datasets default to their own name).</param>
/// <param name="Plugin">The resolved plugin.</param>
/// <param name="Options">Its bound options.</param>
/// <param name="HasLabel">True when the recipe set <c>label:</c> itself.</param>
internal sealed record PluginSpec(string Key, string Label, PluginEntry Plugin, object Options, bool HasLabel);
