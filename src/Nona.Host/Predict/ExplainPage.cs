using System.Globalization;
using System.Net;
using System.Text;
using Nona.Abstractions;

namespace Nona.Host.Predict;

/// <summary>The explanation page and the files it links (audio excerpts); images are inlined, so the page works offline.</summary>
/// <param name="Html">index.html.</param>
/// <param name="Files">Relative path → bytes, written beside the page.</param>
internal sealed record ExplainPageOutput(string Html, IReadOnlyDictionary<string, byte[]> Files);

/// <summary>
/// Renders an <see cref="Explanation"/> as one self-contained HTML page: per query its input, prediction and weight
/// statistics, then its top neighbours' inputs with row, label, weight, similarity and mask value.
/// </summary>
internal static class ExplainPage
{
    private const int TextChars = 280;
    private const int Panel = 150;

    private const string Style = """
        body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; }
        h1 { font-size: 20px; margin: 0 0 8px; }
        .meta, .note { color: #555; max-width: 70em; }
        .note { background: #fff7e0; padding: 6px 10px; border-left: 3px solid #e0b040; }
        section { border-top: 1px solid #ddd; padding: 12px 0; display: flex; gap: 18px; align-items: flex-start; }
        .query { min-width: 200px; max-width: 240px; }
        .query .stats { font-size: 13px; }
        .neighbours { display: flex; flex-wrap: wrap; gap: 10px; }
        figure { margin: 0; width: 120px; font-size: 12px; }
        figure.text { width: 220px; }
        figcaption { color: #444; }
        .bar { height: 5px; background: #3070c0; margin: 2px 0; }
        img { display: block; image-rendering: auto; border: 1px solid #ccc; }
        blockquote { margin: 0; padding: 4px 6px; background: #f4f4f4; white-space: pre-wrap; }
        table { border-collapse: collapse; } td { padding: 0 6px 0 0; }
        """;

    /// <summary>Renders the page.</summary>
    public static ExplainPageOutput Render(Explanation e, ExplainPreviews previews, string? previewNote)
    {
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var html = new StringBuilder();
        html.Append("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
            .Append(Encode($"nona explain: {e.Method} on {e.Dataset}, split {e.Split}")).Append("</title><style>").Append(Style).Append("</style></head><body>\n");
        html.Append("<h1>").Append(Encode($"Why {e.Method} predicted what it did — {e.Dataset}, split {e.Split}")).Append("</h1>\n");
        html.Append("<p class=\"meta\">").Append(Encode(string.Create(CultureInfo.InvariantCulture,
            $"Run {e.RunFolder}. Queries: {e.InputName} ({e.Predictions.Count} shown). Values are in {e.Units.Describe()}. ")));
        if (e.Note is null)
        {
            html.Append(Encode(string.Create(CultureInfo.InvariantCulture,
                $"NONA predicts a weighted average of the labels of the {e.BankSize} training examples in its bank; each query lists the examples that carried the most weight, with their attention weight w, similarity s and SoftStep mask value m.")));
        }

        html.Append("</p>\n");
        if (e.Note is not null)
            html.Append("<p class=\"note\">").Append(Encode(e.Note)).Append("</p>\n");
        else if (e.SoftStep == "s2") // S1 and none behave otherwise: S1's mask does reach 0, none has no mask
            html.Append("<p class=\"note\">S2's mask never reaches exactly 0, so no neighbour is removed outright: “rejected” counts the neighbours whose mask value is below 0.01 (their weight is cut by at least a factor of 100).</p>\n");
        if (previewNote is not null)
            html.Append("<p class=\"note\">").Append(Encode(previewNote)).Append("</p>\n");

        foreach (var p in e.Predictions)
        {
            html.Append("<section id=\"q").Append(p.Row).Append("\"><div class=\"query\">");
            if (previews.Queries.TryGetValue(p.Row, out var query))
                html.Append(Preview(query, $"query-{p.Row}", files, query is TextPreview ? 240 : 96));
            if (previews.BankPoints is { } points && previews.Queries.GetValueOrDefault(p.Row) is VectorPreview q)
                html.Append(PanelSvg(points, q.Values, p.Neighbours, previews.Neighbours));
            html.Append("<div class=\"stats\"><table>");
            Row(html, "query row", p.Row.ToString(CultureInfo.InvariantCulture));
            Row(html, "prediction", $"<b>{Number(p.Prediction)}</b>");
            if (!double.IsNaN(p.Label))
                Row(html, "label", Number(p.Label));
            if (p.Neighbours.Count > 0)
            {
                Row(html, $"top {p.Neighbours.Count} carry", string.Create(CultureInfo.InvariantCulture, $"{p.TopShare * 100:F1} % of the weight"));
                Row(html, "effective neighbours", string.Create(CultureInfo.InvariantCulture, $"{p.EffectiveNeighbours:F1} (1 / Σ w²)"));
                Row(html, "mask < 0.01", string.Create(CultureInfo.InvariantCulture, $"{p.Rejected} of {e.BankSize}"));
            }

            html.Append("</table></div></div><div class=\"neighbours\">");
            foreach (var n in p.Neighbours)
            {
                var preview = previews.Neighbours.GetValueOrDefault(n.Row);
                html.Append(preview is TextPreview ? "<figure class=\"text\">" : "<figure>");
                if (preview is not null)
                    html.Append(Preview(preview, $"train-{n.Row}", files, 96));
                html.Append("<div class=\"bar\" style=\"width:").Append(Math.Max(1, (int)Math.Round(n.Weight * 120)).ToString(CultureInfo.InvariantCulture)).Append("px\"></div>");
                html.Append("<figcaption>").Append(Encode(string.Create(CultureInfo.InvariantCulture,
                    $"row {n.Row} · label {Number(n.Label)}"))).Append("<br>")
                    .Append(Encode(string.Create(CultureInfo.InvariantCulture, $"w {n.Weight:F3} · s {n.Similarity:G3} · m {n.Mask:F3}"))).Append("</figcaption></figure>");
            }

            html.Append("</div></section>\n");
        }

        html.Append("</body></html>\n");
        return new ExplainPageOutput(html.ToString(), files);
    }

    private static string Preview(SamplePreview preview, string name, Dictionary<string, byte[]> files, int width) => preview switch
    {
        ImagePreview image => $"<img alt=\"{Encode(name)}\" width=\"{width}\" src=\"data:image/png;base64,{Convert.ToBase64String(image.Png)}\">",
        TextPreview text => $"<blockquote>{Encode(text.Text.Length > TextChars ? text.Text[..TextChars] + "…" : text.Text)}</blockquote>",
        AudioPreview audio => Audio(audio, name, files),
        VectorPreview vector => $"<div>{Encode("(" + string.Join(", ", vector.Values.Take(8).Select(v => v.ToString("G3", CultureInfo.InvariantCulture))) + (vector.Values.Length > 8 ? ", …" : "") + ")")}</div>",
        _ => "",
    };

    private static string Audio(AudioPreview audio, string name, Dictionary<string, byte[]> files)
    {
        var path = $"audio/{name}.wav";
        files[path] = audio.Wav;
        return $"<audio controls preload=\"none\" src=\"{path}\" style=\"width:120px\"></audio>";
    }

    // The bank in grey, the neighbours in blue (area ∝ weight), the query as a red cross: 2-D vector data only.
    private static string PanelSvg(IReadOnlyList<double[]> bank, double[] query, IReadOnlyList<ExplainedNeighbour> neighbours, IReadOnlyDictionary<int, SamplePreview> previews)
    {
        double[][] all = [.. bank, query, .. neighbours.Select(n => previews.GetValueOrDefault(n.Row)).OfType<VectorPreview>().Select(v => v.Values)];
        var (minX, maxX) = (all.Min(p => p[0]), all.Max(p => p[0]));
        var (minY, maxY) = (all.Min(p => p[1]), all.Max(p => p[1]));
        string X(double x) => (4 + ((Panel - 8) * (x - minX) / Math.Max(1e-12, maxX - minX))).ToString("F1", CultureInfo.InvariantCulture);
        string Y(double y) => (Panel - 4 - ((Panel - 8) * (y - minY) / Math.Max(1e-12, maxY - minY))).ToString("F1", CultureInfo.InvariantCulture);
        var svg = new StringBuilder($"<svg width=\"{Panel}\" height=\"{Panel}\" viewBox=\"0 0 {Panel} {Panel}\" style=\"border:1px solid #ccc\">");
        foreach (var p in bank)
            svg.Append($"<circle cx=\"{X(p[0])}\" cy=\"{Y(p[1])}\" r=\"1\" fill=\"#bbb\"/>");
        foreach (var n in neighbours)
        {
            if (previews.GetValueOrDefault(n.Row) is VectorPreview v)
                svg.Append($"<circle cx=\"{X(v.Values[0])}\" cy=\"{Y(v.Values[1])}\" r=\"{(2 + (10 * Math.Sqrt(n.Weight))).ToString("F1", CultureInfo.InvariantCulture)}\" fill=\"#3070c0\" fill-opacity=\"0.6\"/>");
        }

        var (cx, cy) = (X(query[0]), Y(query[1]));
        svg.Append($"<text x=\"{cx}\" y=\"{cy}\" fill=\"#d02020\" font-size=\"14\" text-anchor=\"middle\" dominant-baseline=\"central\">✕</text></svg>");
        return svg.ToString();
    }

    private static void Row(StringBuilder html, string name, string valueHtml) =>
        html.Append("<tr><td>").Append(Encode(name)).Append("</td><td>").Append(valueHtml).Append("</td></tr>");

    private static string Number(double value) => value.ToString("G4", CultureInfo.InvariantCulture);

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}
