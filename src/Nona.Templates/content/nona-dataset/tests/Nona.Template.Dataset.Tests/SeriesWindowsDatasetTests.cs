using Nona.Abstractions;
using Nona.Template.Dataset;
using Nona.Testing;
using Xunit;

namespace Nona.Template.Dataset.Tests;

public sealed class SeriesWindowsDatasetTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("series-test-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public void Each_window_predicts_the_value_that_follows_it()
    {
        var tables = new SeriesTable([1, 2, 3, 4, 5, 6]);
        var data = Load(new SeriesWindowsOptions { Path = "series.csv", Column = "value", Window = 3 }, tables);

        Assert.Equal([4.0, 5.0, 6.0], data.Labels);
        Assert.Equal(3, data.Inputs.Count);
        Assert.Equal(3, data.Inputs.VectorDim);
        Assert.Equal("series", data.Name);
        // The dataset asked the host's reader for exactly the series column, under data.root.
        Assert.Equal("value", tables.Request!.LabelColumn);
        Assert.Equal(Path.Combine(root, "series.csv"), tables.Request.Path);
        Assert.Empty(tables.Request.NumericColumns);
    }

    [Fact]
    public void A_series_too_short_for_one_window_names_the_file_and_the_option()
    {
        var error = Assert.Throws<NonaException>(() =>
            Load(new SeriesWindowsOptions { Path = "series.csv", Column = "value", Window = 3 }, new SeriesTable([1, 2, 3])));
        Assert.Contains("series.csv", error.Message, StringComparison.Ordinal);
        Assert.Contains(".window", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_or_option_is_a_one_line_error_naming_the_key()
    {
        var plugin = PluginExports.Single(typeof(SeriesWindowsFactory).Assembly, PluginKind.Dataset, "template-dataset");
        var context = TestPluginContext.Create(dataRoot: root);
        var missing = Assert.Throws<NonaException>(() => plugin.Create<IDataset>(new SeriesWindowsOptions { Path = "nope.csv", Column = "value" }, context));
        Assert.Contains("plugin.path", missing.Message, StringComparison.Ordinal);
        Assert.Contains("nope.csv", missing.Message, StringComparison.Ordinal);
        var noColumn = Assert.Throws<NonaException>(() => plugin.Create<IDataset>(new SeriesWindowsOptions { Path = "series.csv" }, context));
        Assert.Contains("plugin.column is required", noColumn.Message, StringComparison.Ordinal);
    }

    private DatasetData Load(SeriesWindowsOptions options, ITableReader tables)
    {
        File.WriteAllText(Path.Combine(root, "series.csv"), "value\n"); // RequireDataFile checks that the file exists
        var plugin = PluginExports.Single(typeof(SeriesWindowsFactory).Assembly, PluginKind.Dataset, "template-dataset");
        var dataset = plugin.Create<IDataset>(options, TestPluginContext.Create(dataRoot: root, tables: tables));
        return dataset.Load(CancellationToken.None);
    }

    // The host's table reader parses the file; here a reader that returns a known column stands in for it, and
    // remembers what it was asked for.
    private sealed class SeriesTable(double[] values) : ITableReader
    {
        public TableRequest? Request { get; private set; }

        public TableData Read(TableRequest request)
        {
            Request = request;
            return new TableData
            {
                Header = ["value"],
                Numeric = [.. values.Select(_ => Array.Empty<double>())],
                Labels = values,
                Paths = [.. values.Select(_ => Array.Empty<string>())],
                Text = [.. values.Select(_ => Array.Empty<string>())],
                SourceLines = [.. Enumerable.Range(2, values.Length)],
            };
        }
    }
}
