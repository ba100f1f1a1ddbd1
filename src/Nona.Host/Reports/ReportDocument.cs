using System.Net;
using System.Text;

namespace Nona.Host.Reports;

/// <summary>
/// A report as blocks (headings, paragraphs, tables, figures) rendered twice: report.md beside its PNG files, and
/// one self-contained report.html with the figures embedded.
/// </summary>
internal sealed class ReportDocument
{
    private readonly List<Block> blocks = [];

    /// <summary>Adds a heading (level 1–3).</summary>
    public void Heading(int level, string text) => blocks.Add(new Block.Heading(level, text));

    /// <summary>Adds a paragraph of plain text.</summary>
    public void Paragraph(string text) => blocks.Add(new Block.Paragraph(text));

    /// <summary>Adds a table; cells listed in <paramref name="bold"/> as (row, column) are emphasised.</summary>
    public void Table(IReadOnlyList<string> header, IReadOnlyList<IReadOnlyList<string>> rows, IReadOnlySet<(int, int)>? bold = null) =>
        blocks.Add(new Block.Table(header, rows, bold ?? new HashSet<(int, int)>()));

    /// <summary>Adds a PNG figure saved as <paramref name="fileName"/> beside report.md.</summary>
    public void Figure(string caption, string fileName, byte[] png) => blocks.Add(new Block.Figure(caption, fileName, png));

    /// <summary>The figures, for writing beside report.md.</summary>
    public IEnumerable<(string FileName, byte[] Png)> Figures => blocks.OfType<Block.Figure>().Select(f => (f.FileName, f.Png));

    /// <summary>Markdown, figures referenced by file name.</summary>
    public string Markdown()
    {
        var text = new StringBuilder();
        foreach (var block in blocks)
        {
            switch (block)
            {
                case Block.Heading h:
                    text.Append('#', h.Level).Append(' ').Append(h.Text).Append("\n\n");
                    break;
                case Block.Paragraph p:
                    text.Append(p.Text).Append("\n\n");
                    break;
                case Block.Table t:
                    text.Append("| ").Append(string.Join(" | ", t.Header)).Append(" |\n");
                    text.Append("| --- |").Append(string.Concat(t.Header.Skip(1).Select(_ => " ---: |"))).Append('\n');
                    for (var r = 0; r < t.Rows.Count; r++)
                        text.Append("| ").Append(string.Join(" | ", t.Rows[r].Select((c, i) => t.Bold.Contains((r, i)) ? $"**{c}**" : c))).Append(" |\n");
                    text.Append('\n');
                    break;
                case Block.Figure f:
                    text.Append("![").Append(f.Caption).Append("](").Append(f.FileName).Append(")\n\n");
                    break;
            }
        }

        return text.ToString();
    }

    /// <summary>One HTML page with inline CSS and base64 figures: a person can open or mail it as it is.</summary>
    public string Html(string title)
    {
        var text = new StringBuilder();
        text.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").Append(Encode(title)).Append("</title>\n")
            .Append("<style>body{font-family:system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;color:#222}")
            .Append("table{border-collapse:collapse;margin:1rem 0}th,td{border:1px solid #ccc;padding:.3rem .6rem;text-align:right}")
            .Append("th:first-child,td:first-child{text-align:left}th{background:#f3f3f3}img{max-width:100%}</style></head><body>\n");
        foreach (var block in blocks)
        {
            switch (block)
            {
                case Block.Heading h:
                    text.Append($"<h{h.Level}>").Append(Encode(h.Text)).Append($"</h{h.Level}>\n");
                    break;
                case Block.Paragraph p:
                    text.Append("<p>").Append(Encode(p.Text)).Append("</p>\n");
                    break;
                case Block.Table t:
                    text.Append("<table><tr>").Append(string.Concat(t.Header.Select(h => $"<th>{Encode(h)}</th>"))).Append("</tr>\n");
                    for (var r = 0; r < t.Rows.Count; r++)
                        text.Append("<tr>").Append(string.Concat(t.Rows[r].Select((c, i) => t.Bold.Contains((r, i)) ? $"<td><b>{Encode(c)}</b></td>" : $"<td>{Encode(c)}</td>"))).Append("</tr>\n");
                    text.Append("</table>\n");
                    break;
                case Block.Figure f:
                    text.Append("<figure><img alt=\"").Append(Encode(f.Caption)).Append("\" src=\"data:image/png;base64,")
                        .Append(Convert.ToBase64String(f.Png)).Append("\"><figcaption>").Append(Encode(f.Caption)).Append("</figcaption></figure>\n");
                    break;
            }
        }

        return text.Append("</body></html>\n").ToString();
    }

    private static string Encode(string text) => WebUtility.HtmlEncode(text);

    private abstract record Block
    {
        public sealed record Heading(int Level, string Text) : Block;

        public sealed record Paragraph(string Text) : Block;

        public sealed record Table(IReadOnlyList<string> Header, IReadOnlyList<IReadOnlyList<string>> Rows, IReadOnlySet<(int, int)> Bold) : Block;

        public sealed record Figure(string Caption, string FileName, byte[] Png) : Block;
    }
}
