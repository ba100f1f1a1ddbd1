using Nona.Abstractions;
using Nona.Host.Discovery;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Nona.Host.Recipes;

/// <summary>
/// Reads a recipe, applies <c>--set</c> overrides, loads the plugin folders it names, and binds every section,
/// collecting all problems before throwing one <see cref="RecipeException"/>. Nothing is created or written here.
/// </summary>
internal static class RecipeLoader
{
    private static readonly string[] TopLevelKeys =
        ["name", "seed", "plugins", "data", "datasets", "backbone", "projector", "heads", "training", "evaluation", "sweep", "cluster"];

    /// <summary>Loads and validates <paramref name="path"/>.</summary>
    /// <param name="path">The recipe file.</param>
    /// <param name="overrides">The <c>--set</c> arguments.</param>
    /// <param name="catalog">The plugin catalog; the recipe's <c>plugins:</c> folders are added to it.</param>
    public static Recipe Load(string path, IEnumerable<string> overrides, PluginCatalog catalog)
    {
        var problems = new RecipeProblems(path);
        if (!File.Exists(path))
            throw new RecipeException([$"{path}: recipe file not found; check the path (recipes live in recipes/, e.g. recipes/synthetic.yaml)"]);

        var root = Parse(path, problems);
        problems.ThrowIfAny();
        SetOverrides.Apply(root!, overrides, problems); // a bad --set is reported with the recipe's other problems

        var recipeFolder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        foreach (var (keyNode, _) in root!.Children)
        {
            var key = ((YamlScalarNode)keyNode).Value ?? "";
            if (!TopLevelKeys.Contains(key))
                problems.Add(keyNode, $"unknown key {UserValue.Quote(key)}; known keys: {string.Join(", ", TopLevelKeys)}.{NameSuggester.Hint(key, TopLevelKeys)}");
        }

        AddPluginFolders(root, recipeFolder, catalog, problems);
        foreach (var conflict in catalog.Conflicts)
            problems.Add((YamlNode?)null, conflict);

        var binder = new OptionBinder(catalog, problems);
        var data = (DataOptions)binder.Bind(typeof(DataOptions), Child(root, "data"), "data");
        var recipe = new Recipe
        {
            Path = Path.GetFullPath(path),
            Name = Scalar(root, "name", problems) ?? Path.GetFileNameWithoutExtension(path),
            Seed = SeedOf(root, problems),
            DataRoot = Path.GetFullPath(data.Root.Length == 0 ? "." : data.Root, recipeFolder),
            CacheFolder = data.Cache.Length > 0 ? Path.GetFullPath(data.Cache, recipeFolder) : DefaultCache(),
            Datasets = BindList(binder, root, "datasets", PluginKind.Dataset, problems),
            Backbone = BindOne(binder, root, "backbone", PluginKind.Backbone, "identity", problems),
            Projector = BindOne(binder, root, "projector", PluginKind.Projector, "mlp", problems),
            Heads = BindList(binder, root, "heads", PluginKind.Head, problems),
            Training = (TrainingOptions)binder.Bind(typeof(TrainingOptions), Child(root, "training"), "training"),
            Evaluation = (EvaluationOptions)binder.Bind(typeof(EvaluationOptions), Child(root, "evaluation"), "evaluation"),
            Resolved = root,
            Sweep = Sweeps.SweepPlan.Parse(root, problems),
            ClusterSlurm = ClusterBlock.Slurm(root, problems),
        };
        RecipeRules.Check(recipe, root, problems);
        problems.ThrowIfAny();
        return recipe;
    }

    /// <summary>$NONA_CACHE, else $XDG_CACHE_HOME/nona, else ~/.cache/nona.</summary>
    private static string DefaultCache()
    {
        if (Environment.GetEnvironmentVariable("NONA_CACHE") is { Length: > 0 } explicitFolder)
            return Path.GetFullPath(explicitFolder);
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        var root = string.IsNullOrEmpty(xdg) ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache") : xdg;
        return Path.Combine(root, "nona");
    }

    private static YamlMappingNode? Parse(string path, RecipeProblems problems)
    {
        if (RecipeText.Read(path, problems) is not { } text)
            return null;
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
            {
                problems.Add(Mark.Empty, "the recipe must be a YAML mapping (datasets:, heads:, training: ...); see docs/recipes.md");
                return null;
            }

            return root;
        }
        catch (YamlException e)
        {
            var message = (e.InnerException?.Message ?? e.Message).ReplaceLineEndings(" ");
            problems.Add(e.Start, $"YAML syntax error: {UserValue.Cap(message)}");
            return null;
        }
        catch (InvalidOperationException)
        {
            // Some malformed inputs make YamlDotNet's scanner fail without a position: find where scanning stops.
            problems.Add(LastReadableMark(text), "YAML syntax error: the file cannot be parsed from here (check brackets, quotes and indentation)");
            return null;
        }
        catch (ArgumentException e)
        {
            // YamlDotNet reports a repeated key as an ArgumentException from its dictionary.
            problems.Add(Mark.Empty, $"a key is repeated in one mapping ({UserValue.Cap(e.Message)}); write each key once");
            return null;
        }
    }

    private static Mark LastReadableMark(string text)
    {
        var last = Mark.Empty;
        try
        {
            var scanner = new Scanner(new StringReader(text));
            while (scanner.MoveNext())
                last = scanner.Current!.End;
        }
        catch (Exception e) when (e is YamlException or InvalidOperationException)
        {
            // `last` is the end of the last token that scanned.
        }

        return last;
    }

    private static void AddPluginFolders(YamlMappingNode root, string recipeFolder, PluginCatalog catalog, RecipeProblems problems)
    {
        if (Child(root, "plugins") is not { } node)
            return;
        if (node is not YamlSequenceNode folders)
        {
            problems.Add(node, "plugins must be a list of folders, e.g. plugins: [my-plugins/]");
            return;
        }

        foreach (var item in folders.Children)
        {
            var folder = item is YamlScalarNode s && !string.IsNullOrEmpty(s.Value) ? Path.GetFullPath(s.Value, recipeFolder) : null;
            if (folder is null || !Directory.Exists(folder))
                problems.Add(item, $"plugin folder not found: {(folder is null ? "(empty)" : UserValue.Quote(folder))}; fix the path (relative to the recipe's folder)");
            else
                catalog.AddFolder(folder);
        }
    }

    private static List<PluginSpec> BindList(OptionBinder binder, YamlMappingNode root, string key, PluginKind kind, RecipeProblems problems)
    {
        var specs = new List<PluginSpec>();
        var node = Child(root, key);
        if (node is not YamlSequenceNode sequence || sequence.Children.Count == 0)
        {
            problems.Add(node ?? root, $"{key} must be a non-empty list, e.g. {key}: [{{name: ...}}]");
            return specs;
        }

        for (var i = 0; i < sequence.Children.Count; i++)
        {
            var itemKey = $"{key}[{i}]";
            if (binder.BindPlugin(kind, sequence.Children[i], itemKey, Reserved.NameAndLabel) is { } bound)
                specs.Add(new PluginSpec(itemKey, bound.Label ?? bound.Entry.Name, bound.Entry, bound.Options, bound.Label is not null));
        }

        return specs;
    }

    private static PluginSpec BindOne(OptionBinder binder, YamlMappingNode root, string key, PluginKind kind, string fallback, RecipeProblems problems)
    {
        var node = Child(root, key) ?? new YamlScalarNode(fallback);
        var bound = binder.BindPlugin(kind, node, key, Reserved.Name);
        if (bound is { } b)
            return new PluginSpec(key, b.Entry.Name, b.Entry, b.Options, false);
        // Keep validating the rest; the recipe already has a problem recorded, so it will not run.
        var entry = new PluginEntry(fallback, kind, "", new UnresolvedFactory(), "");
        return new PluginSpec(key, fallback, entry, new object(), false);
    }

    private static int SeedOf(YamlMappingNode root, RecipeProblems problems)
    {
        var text = Scalar(root, "seed", problems);
        if (text is null)
            return 0;
        if (Child(root, "seed") is YamlScalarNode node && ScalarTyping.IsString(node))
        {
            problems.Add(node, ScalarTyping.Refusal("seed", node, "a non-negative integer"));
            return 0;
        }

        if (int.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var seed) && seed >= 0)
            return seed;
        problems.Add(Child(root, "seed"), $"seed expects a non-negative integer (got {UserValue.Quote(text)})");
        return 0;
    }

    private static string? Scalar(YamlMappingNode root, string key, RecipeProblems problems)
    {
        var node = Child(root, key);
        if (node is null)
            return null;
        if (node is YamlScalarNode s && !OptionBinder.IsNull(s))
            return s.Value;
        problems.Add(node, $"{key} expects a single value");
        return null;
    }

    /// <summary>The value of <paramref name="key"/> in <paramref name="mapping"/>, or null.</summary>
    public static YamlNode? Child(YamlMappingNode mapping, string key) =>
        mapping.Children.TryGetValue(new YamlScalarNode(key), out var node) ? node : null;

    private sealed class UnresolvedFactory : IPluginFactory
    {
        public Type OptionsType => typeof(object);

        public object Create(object options, PluginContext context) => throw new InvalidOperationException("unresolved plugin");
    }
}
