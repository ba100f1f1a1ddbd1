using Microsoft.Data.Sqlite;
using Nona.Abstractions;
using Nona.Host.Data;
using Nona.Plugins.Audio.Datasets;
using Nona.Plugins.Text.Datasets;
using Nona.Tests.Support;
using Xunit;

namespace Nona.Tests.Text;

public sealed class TextDatasetTests : IDisposable
{
    // The 47 columns of Kaggle's austinHousingData.csv, in file order.
    private const string AustinHeader =
        "zpid,city,streetAddress,zipcode,description,latitude,longitude,propertyTaxRate,garageSpaces,hasAssociation," +
        "hasCooling,hasGarage,hasHeating,hasSpa,hasView,homeType,parkingSpaces,yearBuilt,latestPrice,numPriceChanges," +
        "latest_saledate,latest_salemonth,latest_saleyear,latestPriceSource,numOfPhotos,numOfAccessibilityFeatures," +
        "numOfAppliances,numOfParkingFeatures,numOfPatioAndPorchFeatures,numOfSecurityFeatures,numOfWaterfrontFeatures," +
        "numOfWindowFeatures,numOfCommunityFeatures,lotSizeSqFt,livingAreaSqFt,numOfPrimarySchools,numOfElementarySchools," +
        "numOfMiddleSchools,numOfHighSchools,avgSchoolDistance,avgSchoolRating,avgSchoolSize,MedianStudentsPerTeacher," +
        "numOfBathrooms,numOfBedrooms,numOfStories,homeImage";

    private readonly string root = Directory.CreateTempSubdirectory("nona-text-").FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp folder must not fail a test.
        }
    }

    [Fact]
    public void TextCsv_JoinsColumnsByTemplate_ThroughRfc4180Quoting()
    {
        Write("films.csv", "title,synopsis,gross\n\"Heat\",\"A crew, a cop.\nThey meet \"\"once\"\".\",187.4\nAlien,In space,\"104\"\n");

        var data = Load("text-csv", new TextCsvOptions { Path = "films.csv", Template = "{title}. {synopsis}", Target = "gross", LabelTransform = LabelTransform.Log });

        Assert.Equal(["Heat. A crew, a cop.\nThey meet \"once\".", "Alien. In space"], Texts(data));
        Assert.Equal([Math.Log(187.4), Math.Log(104)], data.Labels);
    }

    [Fact]
    public void TextCsv_WithoutTemplate_JoinsNonEmptyColumnsWithPeriod_FromTsv()
    {
        Write("t.tsv", "a\tb\ty\nfirst\tsecond\t1\nonly\t\t2\n");

        var data = Load("text-csv", new TextCsvOptions { Path = "t.tsv", TextColumns = ["a", "b"], Target = "y" });

        Assert.Equal(["first. second", "only"], Texts(data));
        Assert.Equal([1.0, 2.0], data.Labels);
    }

    [Fact]
    public void TextCsv_ReadsXlsxFirstSheet_NumbersAndStrings()
    {
        XlsxWriter.Write(Path.Combine(root, "t.xlsx"), [["name", "blurb", "price"], ["Ann", "x & <y>", 12.5], ["Bo", "z", "30"]]);

        var data = Load("text-csv", new TextCsvOptions { Path = "t.xlsx", Template = "{name}: {blurb}", Target = "price" });

        Assert.Equal(["Ann: x & <y>", "Bo: z"], Texts(data));
        Assert.Equal([12.5, 30.0], data.Labels);
    }

    [Fact]
    public void TextCsv_XlsxBadLabel_FailsNamingTheRow_OrIsSkippedWithANote()
    {
        XlsxWriter.Write(Path.Combine(root, "t.xlsx"), [["text", "y"], ["good", 1.0], ["bad", "n/a"]]);

        var error = Assert.Throws<DataFormatException>(() => Load("text-csv", new TextCsvOptions { Path = "t.xlsx", TextColumns = ["text"], Target = "y" }));
        Assert.Contains("row 3", error.Message);
        Assert.Contains("on_bad_row: skip", error.Message);

        var data = Load("text-csv", new TextCsvOptions { Path = "t.xlsx", TextColumns = ["text"], Target = "y", OnBadRow = BadRowPolicy.Skip });
        Assert.Equal(["good"], Texts(data));
        Assert.Contains("skipped 1", Assert.Single(data.Notes));
    }

    [Fact]
    public void TextCsv_TemplateNamingAColumnNotInTextColumns_IsRejected()
    {
        Write("t.csv", "a,y\nq,1\n");

        var error = Assert.Throws<NonaException>(() => Load("text-csv", new TextCsvOptions { Path = "t.csv", TextColumns = ["a"], Template = "{a} {b}", Target = "y" }));

        Assert.Contains("'b'", error.Message);
    }

    [Theory]
    [InlineData("True", "305000.0")]
    [InlineData("TRUE", "305000")]
    public void Austin_ReadsPandasAndExcelSaves_MultilineDescriptions(string boolean, string price)
    {
        var header = AustinHeader.Split(',');
        Assert.Equal(47, header.Length);
        string Row(string description, string latestPrice) => string.Join(',', header.Select(column => column switch
        {
            "description" => description,
            "latestPrice" => latestPrice,
            "hasAssociation" or "hasCooling" or "hasGarage" => boolean,
            "city" => "austin",
            _ => "1",
        }));
        var csv = AustinHeader + "\r\n" +
            Row("\"Charming 3/2 with a \"\"chef's\"\" kitchen.\r\nNew roof, big yard\"", price) + "\r\n" +
            Row("Plain listing", "1.2e6") + "\r\n";
        Write("austinHousingData.csv", csv);

        var data = Load("austin", new AustinOptions());

        Assert.Equal(["Charming 3/2 with a \"chef's\" kitchen.\r\nNew roof, big yard", "Plain listing"], Texts(data));
        Assert.Equal(Math.Log(305000), data.Labels[0], 12);
        Assert.Equal(Math.Log(1.2e6), data.Labels[1], 12);
    }

    [Fact]
    public void Books_ReadsSynopsisAndLogPrice_FromXlsx()
    {
        WriteBooks();

        var data = Load("books", new BooksOptions());

        Assert.Equal(["A boy wizard.", "Cooking for one."], Texts(data));
        Assert.Equal([Math.Log(220.0), Math.Log(1099.5)], data.Labels);
    }

    [Fact]
    public void Books_TextColumnsAndTemplate_ChooseTheInput()
    {
        WriteBooks();

        var data = Load("books", new BooksOptions { TextColumns = ["Title", "Genre", "Synopsis"], Template = "{Title} ({Genre}): {Synopsis}" });

        Assert.Equal("The Book (Fantasy): A boy wizard.", Texts(data)[0]);
    }

    [Theory]
    [InlineData("4.0 out of 5 stars", 4.0)]
    [InlineData("3.9 out of 5 stars", 3.9)]
    [InlineData("5 out of 5 stars", 5.0)]
    [InlineData("no reviews", null)]
    public void Books_ParsesReviews(string cell, double? stars) => Assert.Equal(stars, BooksDataset.ParseStars(cell));

    [Theory]
    [InlineData("8 customer reviews", 8)]
    [InlineData("1 customer review", 1)]
    [InlineData("1,234 customer reviews", 1234)]
    [InlineData("12,345,678 customer reviews", 12345678)]
    [InlineData("1,23 customer reviews", null)]
    [InlineData("", null)]
    public void Books_ParsesRatings(string cell, int? count) => Assert.Equal(count, BooksDataset.ParseRatingCount(cell));

    [Fact]
    public void Books_ReadBooks_ExposesParsedReviewsAndRatings()
    {
        var path = WriteBooks();

        var books = BooksDataset.ReadBooks(path);

        Assert.Equal(2, books.Count);
        Assert.Equal((4.0, 1234), (books[0].Stars!.Value, books[0].RatingCount!.Value));
        Assert.Equal((3.5, 1), (books[1].Stars!.Value, books[1].RatingCount!.Value));
        Assert.Equal(1099.5, books[1].Price);
    }

    [Fact]
    public void Pitchfork_JoinsContentAndScoreOnReviewId_InReviewIdOrder()
    {
        WritePitchfork(4);

        var data = Load("pitchfork", new PitchforkOptions { Sample = 0 });

        Assert.Equal(["review 1", "review 2", "review 3", "review 4"], Texts(data));
        Assert.Equal([1.5, 3.0, 4.5, 6.0], data.Labels);
    }

    [Fact]
    public void Pitchfork_Sample_IsReproducible_AndASubsetOfTheRows()
    {
        WritePitchfork(40);

        var first = Load("pitchfork", new PitchforkOptions { Sample = 10, SampleSeed = 7 });
        var again = Load("pitchfork", new PitchforkOptions { Sample = 10, SampleSeed = 7 });
        var other = Load("pitchfork", new PitchforkOptions { Sample = 10, SampleSeed = 8 });

        Assert.Equal(10, first.Labels.Length);
        Assert.Equal(Texts(first), Texts(again));
        Assert.NotEqual(Texts(first), Texts(other));
        Assert.Equal(10, Texts(first).Distinct().Count());
        Assert.All(Texts(first).Zip(first.Labels), pair => Assert.Equal(1.5 * int.Parse(pair.First["review ".Length..], System.Globalization.CultureInfo.InvariantCulture), pair.Second));
    }

    [Fact]
    public void Adresso_PairsEachRecordingWithItsTranscript_LabelIsMmse()
    {
        WriteAdresso(withTranscripts: ["adrso024", "adrso025", "adrso300"]);

        var data = Load("adresso", new AdressoOptions { Transcripts = "asr" });

        Assert.Equal(["the boy is on the stool", "cookie jar", "water is overflowing"], Texts(data));
        Assert.Equal([20.0, 27.0, 30.0], data.Labels);
    }

    [Fact]
    public void Adresso_MissingTranscript_FailsNamingTheRecording_OrIsSkippedWithANote()
    {
        WriteAdresso(withTranscripts: ["adrso024", "adrso300"]);

        var error = Assert.Throws<DataFormatException>(() => Load("adresso", new AdressoOptions { Transcripts = "asr" }));
        Assert.Contains("adrso025", error.Message);
        Assert.Contains("1 of 3", error.Message);

        var data = Load("adresso", new AdressoOptions { Transcripts = "asr", OnBadRow = BadRowPolicy.Skip });
        Assert.Equal([20.0, 30.0], data.Labels);
        Assert.Contains("adrso025", Assert.Single(data.Notes));
    }

    [Theory]
    [InlineData(0, "zero")]
    [InlineData(13, "thirteen")]
    [InlineData(27, "twenty-seven")]
    [InlineData(40, "forty")]
    [InlineData(105, "one hundred and five")]
    [InlineData(200, "two hundred")]
    public void Numbers_SpellsNumbersInWords(int n, string words) => Assert.Equal(words, NumberSentences.Spell(n));

    [Fact]
    public void Numbers_SpellsTheIndefiniteHundred() => Assert.Equal("a hundred and five", NumberSentences.Spell(105, indefinite: true));

    [Fact]
    public void Numbers_LabelsMatchHandComputedSentences()
    {
        // The first sentences for seed 3, each label worked out by hand from the words.
        var sentences = NumberSentences.Generate(6, 3);

        Assert.Equal(HandComputed, sentences);
    }

    [Fact]
    public void Numbers_SameSeedSameData_ShortSentences_LabelsInRange()
    {
        var first = Load("numbers", new NumberWordsOptions { N = 500, Seed = 11 });
        var again = Load("numbers", new NumberWordsOptions { N = 500, Seed = 11 });
        var other = Load("numbers", new NumberWordsOptions { N = 500, Seed = 12 });

        Assert.Equal(Texts(first), Texts(again));
        Assert.Equal(first.Labels, again.Labels);
        Assert.NotEqual(Texts(first), Texts(other));
        Assert.All(Texts(first), text => Assert.InRange(text.Split(' ').Length, 2, 20));
        Assert.All(first.Labels, label => Assert.InRange(label, 1, 300));
        Assert.True(Texts(first).Distinct().Count() > 450, "sentences should rarely repeat");
        var log = Load("numbers", new NumberWordsOptions { N = 500, Seed = 11, Log = true });
        Assert.Equal(first.Labels.Select(v => Math.Log(v)), log.Labels);
    }

    [Theory]
    [InlineData("austin")]
    [InlineData("books")]
    [InlineData("pitchfork")]
    [InlineData("adresso")]
    [InlineData("text-csv")]
    public void MissingData_NamesDataRootAndTheFix(string plugin)
    {
        var context = Context() with { DataRoot = Path.Combine(root, "nowhere") };
        object options = plugin switch
        {
            "austin" => new AustinOptions(),
            "books" => new BooksOptions(),
            "pitchfork" => new PitchforkOptions(),
            "adresso" => new AdressoOptions { Transcripts = "asr" },
            _ => new TextCsvOptions { Path = "t.csv", TextColumns = ["a"], Target = "y" },
        };

        var error = Assert.Throws<NonaException>(() => Factory(plugin).Create(options, context));

        Assert.Contains("--set data.root=", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    private static readonly (string, int)[] HandComputed =
    [
        ("a hundred and forty-three minus one hundred and twenty-three", 143 - 123),
        ("half of fifty-two marbles", 52 / 2),
        ("six boxes of seventeen", 6 * 17),
        ("thirty-two coins, then fifty-two more, then twenty-five were lost", 32 + 52 - 25),
        ("twelve dozen cookies and five more", (12 * 12) + 5),
        ("twice thirty cookies", 2 * 30),
    ];

    private static IReadOnlyList<string> Texts(DatasetData data) => ((TextSource)data.Inputs).Texts;

    private static IPluginFactory Factory(string plugin) => plugin switch
    {
        "text-csv" => new TextCsvDatasetFactory(),
        "austin" => new AustinDatasetFactory(),
        "books" => new BooksDatasetFactory(),
        "pitchfork" => new PitchforkDatasetFactory(),
        "adresso" => new AdressoDatasetFactory(),
        "numbers" => new NumberWordsDatasetFactory(),
        _ => throw new ArgumentException(plugin),
    };

    private DatasetData Load(string plugin, object options)
    {
        var dataset = (IDataset)Factory(plugin).Create(options, Context());
        var data = dataset.Load(CancellationToken.None);
        Assert.Equal("text", data.Inputs.Modality);
        Assert.Equal(data.Inputs.Count, data.Labels.Length);
        return data;
    }

    private PluginContext Context() => new()
    {
        DataRoot = root,
        RecipePath = "recipe.yaml",
        RecipeKey = "datasets[0]",
        Weights = new NoWeights(),
        Tables = new CsvTableReader(),
        Plugins = new NoPlugins(),
    };

    private string Write(string name, string text)
    {
        var path = Path.Combine(root, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    private string WriteBooks()
    {
        var path = Path.Combine(root, "Data_Train.xlsx");
        XlsxWriter.Write(path,
        [
            ["Title", "Author", "Edition", "Reviews", "Ratings", "Synopsis", "Genre", "BookCategory", "Price"],
            ["The Book", "A. Writer", "Paperback,– 2016", "4.0 out of 5 stars", "1,234 customer reviews", "A boy wizard.", "Fantasy", "Comics & Mangas", 220.0],
            ["Meals", "B. Cook", "Hardcover,– 2001", "3.5 out of 5 stars", "1 customer review", "Cooking for one.", "Cookbooks", "Humour", 1099.5],
        ]);
        return path;
    }

    private void WritePitchfork(int reviews)
    {
        var builder = new SqliteConnectionStringBuilder { DataSource = Path.Combine(root, "database.sqlite"), Pooling = false };
        using var db = new SqliteConnection(builder.ToString());
        db.Open();
        using var create = db.CreateCommand();
        create.CommandText =
            "CREATE TABLE reviews (reviewid INTEGER, title TEXT, artist TEXT, url TEXT, score REAL, best_new_music INTEGER);" +
            "CREATE TABLE content (reviewid INTEGER, content TEXT);";
        create.ExecuteNonQuery();

        // Inserted out of order: the dataset orders by reviewid, not by insertion.
        foreach (var id in Enumerable.Range(1, reviews).Reverse())
        {
            using var insert = db.CreateCommand();
            insert.CommandText = "INSERT INTO reviews VALUES ($id, 't', 'a', 'u', $score, 0); INSERT INTO content VALUES ($id, $text);";
            insert.Parameters.AddWithValue("$id", id);
            insert.Parameters.AddWithValue("$score", 1.5 * id);
            insert.Parameters.AddWithValue("$text", $"review {id}");
            insert.ExecuteNonQuery();
        }
    }

    private void WriteAdresso(string[] withTranscripts)
    {
        Write("diagnosis/train/adresso-train-mmse-scores.csv", ",adressfname,mmse,dx\n0,adrso024,20,ad\n1,adrso025,27,ad\n2,adrso300,30,cn\n");
        foreach (var (name, dx) in new[] { ("adrso024", "ad"), ("adrso025", "ad"), ("adrso300", "cn") })
            File.WriteAllBytes(Path.Combine(Directory.CreateDirectory(Path.Combine(root, "diagnosis/train/audio", dx)).FullName, name + ".wav"), [0]);
        var text = new Dictionary<string, string> { ["adrso024"] = "the boy is on the stool\n", ["adrso025"] = "cookie jar", ["adrso300"] = "water is overflowing" };
        foreach (var name in withTranscripts)
            Write($"asr/{(name == "adrso300" ? "cn" : "ad")}/{name}.txt", text[name]);
    }


}
