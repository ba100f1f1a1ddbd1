using System.Globalization;
using Nona.Plugins.Text.Modules;
using Nona.Tests.Support;
using TorchSharp.PyBridge;
using Xunit;

namespace Nona.Tests.Text;

/// <summary>The shipped Austin recipe on a small folder in the real format, with a local Hugging Face model folder.</summary>
public sealed class AustinRecipeTests
{
    private static readonly string[] Words =
        ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "charming", "house", "with", "a", "big", "small", "yard", "pool", "new", "roof", "kitchen", "and", ".", ",", "quiet", "street", "luxury", "modern", "old"];

    [Fact]
    public void Austin_recipe_runs_end_to_end_with_a_local_distilbert_folder()
    {
        using var folder = new TempFolder();
        var data = Path.Combine(folder.Path, "austin");
        WriteListings(data, rows: 48);
        var model = WriteModelFolder(Path.Combine(folder.Path, "distilbert-tiny"));

        var outFolder = Path.Combine(folder.Path, "out");
        var (code, output, errors) = Cli.Run(
            "run", Path.Combine(Cli.RepoRoot, "recipes", "austin.yaml"), "--out", outFolder,
            "--set", $"data.root={data}", "--set", $"backbone.weights={model}",
            // CPU-sized: short texts, one split, two epochs; everything else is the shipped recipe.
            "--set", "backbone.max_length=16", "--set", "evaluation.splits=1", "--set", "training.max_epochs=2",
            "--set", "training.batch_size=8", "--set", "training.warmup_steps=2");
        Assert.True(code == 0, errors);

        var rows = File.ReadAllLines(Path.Combine(outFolder, "results.csv")).Skip(1).Select(r => r.Split(',')).ToList();
        Assert.Equal(["dense", "dense+knn", "mean", "nona", "nona+knn"], rows.Select(r => r[1]).Order());
        Assert.All(rows, r => Assert.True(double.IsFinite(double.Parse(r[5], CultureInfo.InvariantCulture))));
        Assert.Contains("texts were truncated at max_length 16", output, StringComparison.Ordinal);
    }

    // A Hugging Face DistilBERT folder as users download one: config.json, model.safetensors (with the distilbert.
    // prefix the hub's checkpoints carry), vocab.txt and tokenizer_config.json — tiny, with formula-free random weights.
    private static string WriteModelFolder(string folder)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "config.json"), $$"""
            {"model_type": "distilbert", "vocab_size": {{Words.Length}}, "dim": 32, "n_layers": 2, "n_heads": 4,
             "hidden_dim": 64, "max_position_embeddings": 64, "activation": "gelu", "dropout": 0.1, "attention_dropout": 0.1}
            """);
        File.WriteAllLines(Path.Combine(folder, "vocab.txt"), Words);
        File.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), """{"do_lower_case": true}""");
        var config = BertConfig.Load(Path.Combine(folder, "config.json"));
        using var network = new DistilBertModel(config);
        var prefixed = network.state_dict().ToDictionary(kv => "distilbert." + kv.Key, kv => kv.Value);
        Safetensors.SaveStateDict(Path.Combine(folder, "model.safetensors"), prefixed);
        return folder;
    }

    // Kaggle's austinHousingData.csv: 47 columns; descriptions with quotes and newlines; the Excel-style TRUE/305000 save.
    private static void WriteListings(string folder, int rows)
    {
        Directory.CreateDirectory(folder);
        var header = "zpid,city,streetAddress,zipcode,description,latitude,longitude,propertyTaxRate,garageSpaces,hasAssociation," +
            "hasCooling,hasGarage,hasHeating,hasSpa,hasView,homeType,parkingSpaces,yearBuilt,latestPrice,numPriceChanges," +
            "latest_saledate,latest_salemonth,latest_saleyear,latestPriceSource,numOfPhotos,numOfAccessibilityFeatures," +
            "numOfAppliances,numOfParkingFeatures,numOfPatioAndPorchFeatures,numOfSecurityFeatures,numOfWaterfrontFeatures," +
            "numOfWindowFeatures,numOfCommunityFeatures,lotSizeSqFt,livingAreaSqFt,numOfPrimarySchools,numOfElementarySchools," +
            "numOfMiddleSchools,numOfHighSchools,avgSchoolDistance,avgSchoolRating,avgSchoolSize,MedianStudentsPerTeacher," +
            "numOfBathrooms,numOfBedrooms,numOfStories,homeImage";
        var columns = header.Split(',');
        var lines = new List<string> { header };
        for (var i = 0; i < rows; i++)
        {
            var luxury = i % 3 == 0;
            var description = luxury
                ? $"\"Charming modern house with a big pool and new kitchen.\nLuxury \"\"quiet\"\" street, big yard {i % 5}\""
                : "\"Small old house, quiet street and yard.\"";
            var price = (luxury ? 900_000 : 300_000) + (i * 1000);
            lines.Add(string.Join(',', columns.Select(c => c switch
            {
                "description" => description,
                "latestPrice" => price.ToString(CultureInfo.InvariantCulture),
                "hasAssociation" or "hasCooling" or "hasGarage" => "TRUE",
                "city" => "austin",
                _ => "1",
            })));
        }

        File.WriteAllText(Path.Combine(folder, "austinHousingData.csv"), string.Join("\r\n", lines) + "\r\n");
    }
}
