using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Nona.Host.Cli;
using Nona.Host.Discovery;
using Nona.Host.Output;
using Nona.Host.Protocol;
using Nona.Host.Recipes;
using Nona.Host.Reports;
using Spectre.Console;

namespace Nona.Host.Sweeps;

/// <summary>One configuration's outcome: its overrides, folder and mean errors of the selecting method.</summary>
internal sealed record SweepResult(IReadOnlyList<(string Key, string Value)> Overrides, string Folder, double ValMseScaled, double MseScaled);

/// <summary>
/// Runs a sweep (the paper's Appendix B): each configuration is the recipe plus <c>--set</c> overrides, run as a
/// normal run folder under <c>configs/</c>, named by a hash of its overrides so an interrupted sweep resumes by
/// skipping the configurations whose run.json exists. Serial mode carries each stage's winner on; grid mode runs
/// every combination. Winners have the lowest mean <c>val_mse_scaled</c> of the selecting method.
/// </summary>
internal sealed class SweepRunner(string recipePath, IReadOnlyList<string> overrides, PluginCatalog catalog, SweepPlan plan, IAnsiConsole console)
{
    private readonly Dictionary<string, SweepResult> finished = [];

    /// <summary>Loads the recipe with every stage value once, so a bad value fails before any run.</summary>
    public void Validate(Recipe recipe)
    {
        var problems = new List<string>();
        foreach (var stage in plan.Stages)
        {
            foreach (var value in stage.Values)
            {
                try
                {
                    HostSetup.Recipe(recipePath, [.. overrides, $"{stage.Key}={value}"], catalog);
                }
                catch (RecipeException e)
                {
                    problems.AddRange(e.Lines.Select(l => $"{recipePath}: sweep value {UserValue.Cap($"{stage.Key}={value}")}: {l}"));
                }
            }
        }

        var methods = recipe.Heads.Select(h => h.Label).ToList();
        if (plan.SelectMethod is { } select && !methods.Contains(select))
            problems.Add($"{recipePath}: sweep.select_method {UserValue.Quote(select)} is not one of the recipe's heads ({string.Join(", ", methods)})");
        if (problems.Count > 0)
            throw new RecipeException(problems);
    }

    /// <summary>Runs the sweep into <paramref name="folder"/> and writes sweep.json and the report.</summary>
    public void Run(string folder, CancellationToken cancellationToken)
    {
        var stages = new List<object>();
        SweepResult chosen;
        if (plan.Mode == SweepMode.Serial)
        {
            var winners = new List<(string Key, string Value)>();
            chosen = null!;
            foreach (var stage in plan.Stages)
            {
                var results = StageConfigs(stages.Count, winners).Select(c => RunConfig(folder, c, cancellationToken)).ToList();
                chosen = Best(results, stage.Key);
                winners.Add((stage.Key, chosen.Overrides[^1].Value));
                stages.Add(new { key = stage.Key, results = results.Select(Describe).ToList(), winner = winners[^1].Value });
            }
        }
        else
        {
            var results = StageConfigs(0, []).Select(c => RunConfig(folder, c, cancellationToken)).ToList();
            chosen = Best(results, "grid");
            stages.Add(new { key = "grid", results = results.Select(Describe).ToList(), winner = Name(chosen.Overrides) });
        }

        var summary = new
        {
            mode = plan.Mode.ToString().ToLowerInvariant(),
            select_method = plan.SelectMethod,
            stages,
            chosen = Describe(chosen),
        };
        AtomicFile.WriteText(Path.Combine(folder, "sweep.json"), JsonSerializer.Serialize(summary, RunInfo.JsonOptions));
        var title = $"Sweep: {Path.GetFileNameWithoutExtension(recipePath)}";
        var report = SweepReport.Build(title, folder);
        ReportBuilder.Write(report, folder, title);
        console.MarkupLineInterpolated($"Chosen: {Name(chosen.Overrides)} (val MSE×10³ {chosen.ValMseScaled * 1e3:F2}); report: {Path.Combine(folder, "report.html")}");
    }

    private SweepResult RunConfig(string root, IReadOnlyList<(string Key, string Value)> configOverrides, CancellationToken cancellationToken)
    {
        var config = Config(root, configOverrides);
        if (finished.TryGetValue(config.Name, out var known))
            return known with { Overrides = configOverrides };
        if (!config.Finished)
        {
            // An unfinished configuration (interrupted) continues from its units' checkpoints.
            console.MarkupLineInterpolated($"[bold]sweep[/] {Name(configOverrides)} → {config.Folder}");
            config.WriteConfigFile();
            RunCommand.RunOne(config.Recipe, config.Builder, config.Overrides, config.Folder, console, cancellationToken);
        }
        else
        {
            console.MarkupLineInterpolated($"[grey]sweep {Name(configOverrides)}: finished earlier, reusing {config.Folder}[/]");
        }

        var result = Result(config);
        finished[config.Name] = result;
        return result;
    }

    /// <summary>
    /// The configuration <paramref name="configOverrides"/> of the sweep in <paramref name="root"/>: its recipe and
    /// its folder <c>configs/cfg-HASH</c>, named by the resolved recipe, so a configuration reached twice (a stage
    /// value equal to the recipe's own) runs once.
    /// </summary>
    public SweepConfig Config(string root, IReadOnlyList<(string Key, string Value)> configOverrides)
    {
        string[] all = [.. overrides, .. configOverrides.Select(o => $"{o.Key}={o.Value}")];
        var (recipe, builder) = HostSetup.Recipe(recipePath, all, catalog);
        var name = "cfg-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(recipe.ResolvedText())))[..10];
        return new SweepConfig(name, Path.Combine(root, "configs", name), recipe, builder, all, configOverrides);
    }

    /// <summary>The configurations of each stage given the winners so far (grid: one stage of every combination).</summary>
    public IReadOnlyList<IReadOnlyList<(string Key, string Value)>> StageConfigs(int stage, IReadOnlyList<(string Key, string Value)> winners)
    {
        if (plan.Mode == SweepMode.Serial)
            return [.. plan.Stages[stage].Values.Select(v => (IReadOnlyList<(string, string)>)[.. winners, (plan.Stages[stage].Key, v)])];
        var combinations = plan.Stages.Aggregate(
            (IEnumerable<List<(string, string)>>)[[]],
            (acc, s) => acc.SelectMany(c => s.Values.Select(v => new List<(string, string)>(c) { (s.Key, v) })));
        return [.. combinations];
    }

    /// <summary>How many stages the sweep runs one after another (grid: one).</summary>
    public int StageCount => plan.Mode == SweepMode.Serial ? plan.Stages.Count : 1;

    /// <summary>The key a serial stage varies ("grid" for a grid sweep).</summary>
    public string StageKey(int stage) => plan.Mode == SweepMode.Serial ? plan.Stages[stage].Key : "grid";

    /// <summary>A finished configuration's mean errors of the selecting method.</summary>
    public SweepResult Result(SweepConfig config)
    {
        var rows = ResultsReader.Read([config.Folder]);
        var select = plan.SelectMethod ?? rows[0].Method;
        var selected = rows.Where(r => r.Method == select).ToList();
        return new SweepResult(config.ConfigOverrides, config.Folder, selected.Average(r => r.ValMseScaled), selected.Average(r => r.MseScaled));
    }

    /// <summary>The configuration with the lowest mean validation MSE; a diverged one (non-finite mean) is never chosen.</summary>
    public static SweepResult Best(IReadOnlyList<SweepResult> results, string stage) =>
        results.Where(r => double.IsFinite(r.ValMseScaled)).MinBy(r => r.ValMseScaled)
        ?? throw new Abstractions.NonaException($"sweep stage {stage}: every configuration diverged (see the notes of configs/*); try a lower training.lr");

    private static object Describe(SweepResult result) => new
    {
        overrides = result.Overrides.Select(o => $"{o.Key}={o.Value}").ToList(),
        value = result.Overrides.Count == 0 ? "" : result.Overrides[^1].Value,
        folder = Path.GetFileName(result.Folder),
        val_mse_scaled = result.ValMseScaled,
        mse_scaled = result.MseScaled,
    };

    /// <summary>The overrides as a reader sees them.</summary>
    public static string Name(IReadOnlyList<(string Key, string Value)> configOverrides) =>
        configOverrides.Count == 0 ? "(recipe as written)" : string.Join(" ", configOverrides.Select(o => string.Create(CultureInfo.InvariantCulture, $"{o.Key}={o.Value}")));
}

/// <summary>One configuration of a sweep: its folder under <c>configs/</c>, recipe and overrides.</summary>
/// <param name="Name">The folder name, <c>cfg-</c> + a hash of the resolved recipe.</param>
/// <param name="Folder">The configuration's run folder.</param>
/// <param name="Recipe">The recipe with the sweep's and the configuration's overrides.</param>
/// <param name="Builder">Its plugin builder.</param>
/// <param name="Overrides">Every override, as <c>KEY=VALUE</c> (the run's own, then the configuration's).</param>
/// <param name="ConfigOverrides">The configuration's own overrides.</param>
internal sealed record SweepConfig(string Name, string Folder, Recipe Recipe, PluginBuilder Builder, IReadOnlyList<string> Overrides, IReadOnlyList<(string Key, string Value)> ConfigOverrides)
{
    /// <summary>True when the configuration's run finished (its run.json is written).</summary>
    public bool Finished => File.Exists(System.IO.Path.Combine(Folder, "run.json"));

    /// <summary>Writes <c>config.json</c> (the configuration's overrides, for people and the sweep report).</summary>
    public void WriteConfigFile() =>
        AtomicFile.WriteText(System.IO.Path.Combine(Folder, "config.json"), JsonSerializer.Serialize(new { overrides = ConfigOverrides.Select(o => $"{o.Key}={o.Value}") }, RunInfo.JsonOptions));
}
