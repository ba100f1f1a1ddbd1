using Nona.Abstractions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Nona.Host.Recipes;

/// <summary>
/// Collects every problem of a recipe, each tied to where it was written: <c>recipe.yaml:LINE:COL</c> for the
/// file, or the <c>--set</c> argument that supplied the value.
/// </summary>
internal sealed class RecipeProblems(string file)
{
    private readonly List<(int Line, int Column, string Text)> problems = [];
    private readonly Dictionary<YamlNode, string> overrides = new(ReferenceEqualityComparer.Instance);

    /// <summary>The recipe file as the user named it.</summary>
    public string File { get; } = file;

    /// <summary>True when nothing is wrong.</summary>
    public bool IsEmpty => problems.Count == 0;

    /// <summary>Problems in file order, one line each.</summary>
    public IEnumerable<string> Lines => problems.OrderBy(p => p.Line).ThenBy(p => p.Column).Select(p => p.Text);

    /// <summary>Marks <paramref name="node"/> and its children as coming from a <c>--set</c> argument.</summary>
    public void MarkOverride(YamlNode node, string argument)
    {
        foreach (var child in node.AllNodes)
            overrides[child] = UserValue.Cap(argument); // a --set value can be as long as any recipe value
    }

    /// <summary>Adds a problem at <paramref name="node"/> (or at the top of the file when null).</summary>
    public void Add(YamlNode? node, string message)
    {
        if (node is not null && overrides.TryGetValue(node, out var argument))
        {
            problems.Add((int.MaxValue, 0, $"--set {argument}: {message}"));
            return;
        }

        var mark = node?.Start ?? Mark.Empty;
        Add(mark, message);
    }

    /// <summary>Adds a problem at a position in the file.</summary>
    public void Add(Mark mark, string message) => Add((int)mark.Line, (int)mark.Column, message);

    /// <summary>Adds a problem at a 1-based line and column of the file.</summary>
    public void Add(int line, int column, string message)
    {
        line = Math.Max(1, line);
        column = Math.Max(1, column);
        problems.Add((line, column, $"{File}:{line}:{column}: {message}"));
    }

    /// <summary>Adds a problem about a <c>--set</c> argument that could not be applied.</summary>
    public void AddOverride(string argument, string message) => problems.Add((int.MaxValue, 0, $"--set {UserValue.Cap(argument)}: {message}"));

    /// <summary>Throws <see cref="RecipeException"/> when any problem was found.</summary>
    public void ThrowIfAny()
    {
        if (!IsEmpty)
            throw new RecipeException([.. Lines]);
    }
}

/// <summary>A recipe that cannot run: every problem, one line each (exit code 2).</summary>
internal sealed class RecipeException(IReadOnlyList<string> lines) : NonaException(string.Join(Environment.NewLine, lines))
{
    /// <summary>The problems, one line each.</summary>
    public IReadOnlyList<string> Lines { get; } = lines;
}
