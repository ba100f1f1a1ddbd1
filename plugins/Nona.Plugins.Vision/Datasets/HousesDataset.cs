// Houses Dataset of Ahmed & Moustafa, "House price estimation from visual and textual features" (IJCCI 2016,
// arXiv:1609.08399), as github.com/emanhamed/Houses-dataset ships it: "Houses Dataset/HousesInfo.txt", one house per
// line ("bedrooms bathrooms area zipcode price", space separated, no header), and <n>_{frontal,bedroom,bathroom,kitchen}.jpg
// where n is the house's 1-based line number.
using System.ComponentModel;
using System.Globalization;
using System.Text;
using Nona.Abstractions;
using Nona.Plugins.Vision.Pipeline;

namespace Nona.Plugins.Vision.Datasets;

/// <summary>Which of a house's four photos is its input.</summary>
public enum HousePhoto
{
    /// <summary>The street view of the house (<c>n_frontal.jpg</c>).</summary>
    Frontal,

    /// <summary><c>n_bedroom.jpg</c>.</summary>
    Bedroom,

    /// <summary><c>n_bathroom.jpg</c>.</summary>
    Bathroom,

    /// <summary><c>n_kitchen.jpg</c>.</summary>
    Kitchen,
}

/// <summary>Options of the <c>houses</c> dataset.</summary>
public sealed class HousesOptions : ImageOptions
{
    /// <summary>The dataset folder, relative to data.root.</summary>
    [Description("folder holding HousesInfo.txt and the photos, relative to data.root (data.root itself is tried too)")]
    public string Folder { get; set; } = "Houses Dataset";

    /// <summary>Which photo is the input.</summary>
    [Description("frontal, bedroom, bathroom or kitchen: which photo of each house is the input")]
    public HousePhoto Photo { get; set; } = HousePhoto.Frontal;

    /// <summary>Transform of the price; the paper regressed log price.</summary>
    [Description("none, log or log1p, applied to the price")]
    public LabelTransform LabelTransform { get; set; } = LabelTransform.Log;

    /// <summary>Bad-row policy for HousesInfo.txt.</summary>
    [Description("fail or skip lines of HousesInfo.txt with unusable values (skipped lines are counted and reported)")]
    public BadRowPolicy OnBadRow { get; set; } = BadRowPolicy.Fail;
}

/// <summary>House photos labelled with their price.</summary>
[NonaPlugin("houses", PluginKind.Dataset, Description = "Ahmed & Moustafa's Houses Dataset: one photo per house, (log) price")]
public sealed class HousesDatasetFactory : PluginFactory<HousesOptions, IDataset>
{
    internal const string InfoFile = "HousesInfo.txt";

    /// <inheritdoc />
    protected override IDataset Create(HousesOptions options, PluginContext context)
    {
        var where = context.Where;
        options.Validate(where);
        var root = Path.GetFullPath(context.DataRoot);
        var folder = Path.GetFullPath(options.Folder, root);
        if (!File.Exists(Path.Combine(folder, InfoFile)) && File.Exists(Path.Combine(root, InfoFile)))
            folder = root;
        var info = Path.Combine(folder, InfoFile);
        if (!File.Exists(info))
            throw new NonaException($"{where}: the Houses dataset needs '{options.Folder}/{InfoFile}' and its photos (<n>_frontal.jpg …) under data.root ({root}); " +
                "get it with git clone https://github.com/emanhamed/Houses-dataset, then pass --set data.root=DIR/Houses-dataset");
        return new HousesDataset(options, info, context.Seed);
    }
}

/// <summary>Parses HousesInfo.txt and pairs each line with the chosen photo.</summary>
public sealed class HousesDataset(HousesOptions options, string info, int seed) : IDataset
{
    private const int MaxReasons = 5;

    /// <inheritdoc />
    public DatasetData Load(CancellationToken cancellationToken)
    {
        var folder = Path.GetDirectoryName(info)!;
        var photo = options.Photo.ToString().ToLowerInvariant();
        var paths = new List<string>();
        var labels = new List<double>();
        var lines = new List<int>();
        var notes = new List<string>();
        var skipped = 0;
        var reasons = new List<string>();
        var number = 0;
        foreach (var line in File.ReadLines(info, Encoding.UTF8))
        {
            cancellationToken.ThrowIfCancellationRequested();
            number++;
            if (string.IsNullOrWhiteSpace(line))
                continue;
            var problem = Parse(line, out var price);
            if (problem is null)
            {
                paths.Add(Path.Combine(folder, $"{number.ToString(CultureInfo.InvariantCulture)}_{photo}.jpg"));
                labels.Add(price);
                lines.Add(number);
                continue;
            }

            problem = $"{info}:{number}: {problem}";
            if (options.OnBadRow == BadRowPolicy.Fail)
                throw new DataFormatException(problem + "; fix the file or set on_bad_row: skip");
            skipped++;
            if (reasons.Count < MaxReasons)
                reasons.Add(problem);
        }

        if (skipped > 0)
            notes.Add($"{info}: skipped {skipped} bad line(s), e.g. {string.Join("; ", reasons)}");
        if (paths.Count == 0)
            throw new DataFormatException($"{info}: no houses to use");

        var (images, kept, imageNotes) = ImageRows.Keep(info, paths, labels, lines, options, cancellationToken);
        notes.AddRange(imageNotes);
        return new DatasetData
        {
            Name = "houses",
            Inputs = new ImageInputs(images, options) { AugmentationSeed = seed },
            Labels = kept,
            Notes = notes,
        };
    }

    // Fields are separated by runs of spaces (a few lines have two); bathrooms may be fractional (2.5). Only the price
    // is used: the photo is the input.
    private string? Parse(string line, out double label)
    {
        label = 0;
        var fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length != 5)
            return $"{fields.Length} values, but a line has 5 (bedrooms bathrooms area zipcode price)";
        string[] names = ["bedrooms", "bathrooms", "area", "zipcode", "price"];
        var values = new double[5];
        for (var i = 0; i < 5; i++)
        {
            if (!double.TryParse(fields[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) || !double.IsFinite(values[i]))
                return $"{names[i]}: not a number ('{fields[i]}')";
        }

        var price = values[4];
        (label, var problem) = options.LabelTransform switch
        {
            LabelTransform.Log when price <= 0 => (0, $"price {fields[4]}: label_transform log needs a price > 0"),
            LabelTransform.Log => (Math.Log(price), null),
            LabelTransform.Log1p when price <= -1 => (0, $"price {fields[4]}: label_transform log1p needs a price > -1"),
            LabelTransform.Log1p => (Math.Log(1 + price), null),
            _ => (price, (string?)null),
        };
        return problem;
    }
}
