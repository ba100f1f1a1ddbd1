using System.Globalization;
using System.Text;
using Nona.Host.Protocol;

namespace Nona.Host.Output;

/// <summary>results.csv: exactly <c>dataset,method,split,val_mse_scaled,mse_scaled,mse</c>, one row per dataset, method and split.</summary>
internal static class ResultsCsv
{
    /// <summary>The header line.</summary>
    public const string Header = "dataset,method,split,val_mse_scaled,mse_scaled,mse";

    /// <summary>The whole file for <paramref name="rows"/>; numbers round-trip ("R").</summary>
    public static string Format(IEnumerable<ResultRow> rows)
    {
        var text = new StringBuilder(Header).Append('\n');
        foreach (var r in rows)
        {
            text.Append(CultureInfo.InvariantCulture, $"{Quote(r.Dataset)},{Quote(r.Method)},{r.Split},")
                .Append(CultureInfo.InvariantCulture, $"{r.ValMseScaled:R},{r.MseScaled:R},{r.Mse:R}\n");
        }

        return text.ToString();
    }

    /// <summary>Names are user-chosen labels; RFC 4180 quoting keeps a comma in one from breaking the columns.</summary>
    public static string Quote(string value) =>
        value.IndexOfAny([',', '"', '\n', '\r']) < 0 ? value : $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";
}
