using Nona.Host.Output;

namespace Nona.Host.Units;

/// <summary>
/// One resumable piece of a run: a head trained and evaluated on one split of one dataset (its two-stage row
/// included), or the split's baselines. A unit either finished (its rows are in <c>done.json</c>) or runs again
/// from its last checkpoint.
/// </summary>
/// <param name="Dataset">The dataset's name.</param>
/// <param name="Split">The split index.</param>
/// <param name="Method">The head's label, or <see cref="Baselines"/>.</param>
internal sealed record UnitKey(string Dataset, int Split, string Method)
{
    /// <summary>The method name of a split's baselines unit (parenthesised: no head label can look like it on disk).</summary>
    public const string Baselines = "(baselines)";

    /// <summary>The unit's folder relative to the run folder: <c>units/&lt;dataset&gt;/split-&lt;k&gt;/&lt;method&gt;</c>.</summary>
    public string RelativeFolder => Path.Combine("units", FolderNames.Safe(Dataset), $"split-{Split}", FolderNames.Safe(Method));

    /// <inheritdoc />
    public override string ToString() => Method == Baselines ? $"{Dataset} split {Split} baselines" : $"{Dataset} split {Split} {Method}";
}
