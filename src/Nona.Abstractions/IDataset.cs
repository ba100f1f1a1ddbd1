namespace Nona.Abstractions;

/// <summary>A dataset plugin's product: loads every sample's input and label once.</summary>
public interface IDataset
{
    /// <summary>
    /// Loads the data. Throws <see cref="NonaException"/> (or <see cref="DataFormatException"/>) with a one-line
    /// message naming the file and the fix when the data is missing or malformed.
    /// </summary>
    DatasetData Load(CancellationToken cancellationToken);
}

/// <summary>A loaded dataset: inputs and labels in the dataset's own units, in one fixed order.</summary>
public sealed class DatasetData
{
    /// <summary>The name used in results (the recipe's <c>label</c>, else the plugin name).</summary>
    public required string Name { get; init; }

    /// <summary>The samples' inputs, in the same order as <see cref="Labels"/>.</summary>
    public required InputSource Inputs { get; init; }

    /// <summary>Labels in the dataset's own units (after any label transform such as <c>log</c>).</summary>
    public required double[] Labels { get; init; }

    /// <summary>Things the user should know (rows skipped and why), printed at the end of the run.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>
    /// One group key per sample, in the order of <see cref="Labels"/> (the speaker, the recording a window was cut
    /// from), or null when the samples are independent. The protocol's splits keep each group whole: no group has
    /// samples in two of train, validation and test.
    /// </summary>
    public IReadOnlyList<string>? Groups { get; init; }
}
