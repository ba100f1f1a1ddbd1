// Pitchfork album reviews, Kaggle "18,393 Pitchfork Reviews" (nolanbconaway/pitchfork-data): database.sqlite, review
// text in content(reviewid, content), score (0-10) in reviews(reviewid, score, ...), joined on reviewid. The paper used
// a 1,500-review sample; `sample` draws one reproducibly from the reviewid-ordered rows.
using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Microsoft.Data.Sqlite;
using Nona.Abstractions;

namespace Nona.Plugins.Text.Datasets;

/// <summary>Options of the <c>pitchfork</c> dataset.</summary>
public sealed class PitchforkOptions
{
    /// <summary>The SQLite database, relative to data.root.</summary>
    [Description("database.sqlite, relative to data.root")]
    public string Path { get; set; } = "database.sqlite";

    /// <summary>How many reviews to draw; the paper used 1,500.</summary>
    [Description("number of reviews drawn (seeded shuffle of the reviewid-ordered rows); 0: all")]
    [Range(0, int.MaxValue)]
    public int Sample { get; set; } = 1500;

    /// <summary>The draw's seed: fixed, so the sample is the same whatever the run's seed.</summary>
    [Description("seed of the sample's shuffle (independent of the run's seed, so every run sees the same reviews)")]
    public int SampleSeed { get; set; }

    /// <summary>Label transform.</summary>
    [Description("none, log or log1p, applied to the score (0-10)")]
    public LabelTransform LabelTransform { get; set; } = LabelTransform.None;

    /// <summary>Bad-row policy.</summary>
    [Description("fail or skip reviews with no score or no text (skipped rows are counted and reported)")]
    public BadRowPolicy OnBadRow { get; set; } = BadRowPolicy.Fail;
}

/// <summary>Review texts labelled with the review's score.</summary>
[NonaPlugin("pitchfork", PluginKind.Dataset, Description = "Pitchfork album reviews (SQLite): review text, score 0-10")]
public sealed class PitchforkDatasetFactory : PluginFactory<PitchforkOptions, IDataset>
{
    /// <inheritdoc />
    protected override IDataset Create(PitchforkOptions options, PluginContext context)
    {
        if (options.Sample < 0)
            throw new NonaException($"{context.Where}.sample must be ≥ 0 (got {options.Sample}); 0 takes every review");
        var path = context.RequireDataFile("path", options.Path, "the Pitchfork database",
            "download database.sqlite from https://www.kaggle.com/datasets/nolanbconaway/pitchfork-data");
        return new PitchforkDataset(options, path);
    }
}

/// <summary>Reads the reviews read-only with Microsoft.Data.Sqlite.</summary>
public sealed class PitchforkDataset(PitchforkOptions options, string path) : IDataset
{
    // A review can be listed more than once in a join (the Kaggle tables are not keyed); rowids keep the order total.
    private const string Query =
        "SELECT r.reviewid, r.score, c.content FROM reviews AS r JOIN content AS c ON c.reviewid = r.reviewid " +
        "ORDER BY r.reviewid, r.rowid, c.rowid";

    /// <inheritdoc />
    public DatasetData Load(CancellationToken cancellationToken)
    {
        var rows = new List<(string Text, double Label)>();
        var bad = new BadRows(path, options.OnBadRow);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var duplicates = 0;
        try
        {
            // Pooling off: the file is closed when Load returns, not held by a pool for the rest of the run.
            var connection = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false };
            using var db = new SqliteConnection(connection.ToString());
            db.Open();
            using var command = db.CreateCommand();
            command.CommandText = Query;
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                cancellationToken.ThrowIfCancellationRequested();
                var id = Convert.ToString(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture) ?? "";
                if (!seen.Add(id))
                {
                    duplicates++;
                    continue;
                }

                var text = reader.IsDBNull(2) ? "" : reader.GetString(2);
                if (reader.IsDBNull(1))
                {
                    bad.Add($"reviewid {id}", "the score is empty");
                    continue;
                }

                var why = TextRows.Transform(reader.GetDouble(1), options.LabelTransform, out var label);
                var problem = string.IsNullOrWhiteSpace(text) ? "the review text is empty" : why is null ? null : $"score: {why}";
                if (problem is not null)
                {
                    bad.Add($"reviewid {id}", problem);
                    continue;
                }

                rows.Add((text, label));
            }
        }
        catch (SqliteException e)
        {
            throw new DataFormatException($"{path}: cannot read the reviews ({e.Message}); the database needs tables reviews(reviewid, score) and content(reviewid, content)");
        }

        bad.RequireAny(rows.Count);
        var picked = Sample(rows, options.Sample, options.SampleSeed);
        var notes = new List<string>(bad.Notes());
        if (duplicates > 0)
            notes.Add($"{path}: {duplicates} repeated reviewid row(s) ignored (the first of each kept)");
        if (options.Sample > rows.Count)
            notes.Add($"{path}: sample {options.Sample} asked, but only {rows.Count} reviews are usable; all were taken");
        return new DatasetData
        {
            Name = "pitchfork",
            Inputs = new TextSource([.. picked.Select(r => r.Text)]),
            Labels = [.. picked.Select(r => r.Label)],
            Notes = notes,
        };
    }

    /// <summary>The first <paramref name="count"/> rows of a seeded Fisher-Yates shuffle; every row when count is 0.</summary>
    internal static List<T> Sample<T>(List<T> rows, int count, int seed)
    {
        if (count == 0 || count >= rows.Count)
            return rows;
        var shuffled = new List<T>(rows);
        var random = new Random(seed);
        for (var i = shuffled.Count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (shuffled[i], shuffled[j]) = (shuffled[j], shuffled[i]);
        }

        return shuffled.GetRange(0, count);
    }
}
