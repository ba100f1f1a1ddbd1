using System.Text;
using Nona.Abstractions;
using Nona.Host.Data;
using Xunit;

namespace Nona.Tests.Data;

public sealed class CsvTableReaderTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("nona-csv-");
    private readonly CsvTableReader _reader = new();

    public void Dispose() => _root.Delete(recursive: true);

    [Fact]
    public void QuotedFields_KeepDelimitersDoubledQuotesAndNewlines()
    {
        Write("t.csv", "id,text,x\n1,\"a, b\",1.5\n2,\"say \"\"hi\"\"\",2\n3,\"line1\nline2\",3\n4,plain,4\n");

        var data = _reader.Read(Request("t.csv", numeric: ["x"], text: ["text"]));

        Assert.Equal(["a, b", "say \"hi\"", "line1\nline2", "plain"], data.Text.Select(row => row[0]));
        Assert.Equal([1.5, 2, 3, 4], data.Numeric.Select(row => row[0]));
        Assert.Equal([2, 3, 4, 6], data.SourceLines);
    }

    [Fact]
    public void BadRowAfterMultiLineQuotedField_ReportsItsPhysicalLine()
    {
        Write("t.csv", "id,text,x\n1,\"line1\r\nline2\rline3\",1\n2,plain,oops\n");

        var error = Assert.Throws<DataFormatException>(() => _reader.Read(Request("t.csv", numeric: ["x"])));

        Assert.Contains("t.csv:5: column 'x'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bom_And_NoBom_GiveIdenticalResults()
    {
        const string content = "name,x,y\na,1,2\nb,3,4\n";
        File.WriteAllText(Path.Combine(_root.FullName, "bom.csv"), content, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));
        File.WriteAllText(Path.Combine(_root.FullName, "plain.csv"), content, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        Assert.Equal(0xEF, File.ReadAllBytes(Path.Combine(_root.FullName, "bom.csv"))[0]);

        var withBom = _reader.Read(Request("bom.csv", numeric: ["x"], label: "y", text: ["name"]));
        var without = _reader.Read(Request("plain.csv", numeric: ["x"], label: "y", text: ["name"]));

        Assert.Equal(["name", "x", "y"], withBom.Header);
        Assert.Equal(without.Header, withBom.Header);
        Assert.Equal(without.Numeric, withBom.Numeric);
        Assert.Equal(without.Labels, withBom.Labels);
        Assert.Equal(without.Text, withBom.Text);
        Assert.Equal(without.SourceLines, withBom.SourceLines);
    }

    [Theory]
    [InlineData("t.tsv")]
    [InlineData("t.TAB")]
    public void TabSeparatedExtension_UsesTabDelimiter(string name)
    {
        Write(name, "a\tb,c\n1\tx,y\n");

        var data = _reader.Read(Request(name, numeric: ["a"], text: ["b,c"]));

        Assert.Equal(1.0, data.Numeric[0][0]);
        Assert.Equal("x,y", data.Text[0][0]);
    }

    [Fact]
    public void ExplicitDelimiter_OverridesExtension()
    {
        Write("t.csv", "a;b\n1;2\n");

        var data = _reader.Read(Request("t.csv", numeric: ["a", "b"]) with { Delimiter = ';' });

        Assert.Equal([1.0, 2.0], data.Numeric[0]);
    }

    [Theory]
    [InlineData(LabelTransform.None, "2.5", 2.5)]
    [InlineData(LabelTransform.Log, "1", 0.0)]
    [InlineData(LabelTransform.Log, "2.718281828459045", 1.0)]
    [InlineData(LabelTransform.Log1p, "0", 0.0)]
    [InlineData(LabelTransform.Log1p, "1.718281828459045", 1.0)]
    public void LabelTransform_GivesKnownValues(LabelTransform transform, string cell, double expected)
    {
        Write("t.csv", $"y\n{cell}\n");

        var data = _reader.Read(Request("t.csv", label: "y") with { LabelTransform = transform });

        Assert.Equal(expected, data.Labels[0], 1e-12);
    }

    [Fact]
    public void Log1p_KeepsPrecisionForTinyValues()
    {
        Write("t.csv", "y\n1e-12\n");

        var data = _reader.Read(Request("t.csv", label: "y") with { LabelTransform = LabelTransform.Log1p });

        // ln(1 + x) = x - x²/2 + ...; Math.Log(1 + 1e-12) is off in the 5th digit.
        Assert.Equal(1e-12 - 0.5e-24, data.Labels[0], 1e-27);
    }

    [Theory]
    [InlineData(LabelTransform.Log, "0", "log needs a value > 0")]
    [InlineData(LabelTransform.Log, "-3", "log needs a value > 0")]
    [InlineData(LabelTransform.Log1p, "-1", "log1p needs a value > -1")]
    public void LabelInvalidForTransform_IsBadRow(LabelTransform transform, string cell, string reason)
    {
        Write("t.csv", $"y\n{cell}\n");

        var error = Assert.Throws<DataFormatException>(() => _reader.Read(Request("t.csv", label: "y") with { LabelTransform = transform }));

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingColumn_NamesFileAvailableColumnsAndNearestName()
    {
        Write("t.csv", "x1,x2,label\n1,2,3\n");

        var error = Assert.Throws<DataFormatException>(() => _reader.Read(Request("t.csv", numeric: ["x1", "X_2"])));

        Assert.Contains("t.csv", error.Message, StringComparison.Ordinal);
        Assert.Contains("'X_2' not found", error.Message, StringComparison.Ordinal);
        Assert.Contains("'x1', 'x2', 'label'", error.Message, StringComparison.Ordinal);
        Assert.Contains("did you mean 'x2'?", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ColumnNames_AreTrimmed_AndMatchedCaseInsensitivelyAsFallback()
    {
        Write("t.csv", " Price ,price2\n1,2\n");

        var data = _reader.Read(Request("t.csv", numeric: ["price", "Price"]));

        Assert.Equal(["Price", "price2"], data.Header);
        Assert.Equal([1.0, 1.0], data.Numeric[0]);
    }

    [Fact]
    public void NonNumericCell_WithFail_NamesFileLineAndColumn()
    {
        Write("data.csv", "x,y\n1,2\n3,abc\n");

        var error = Assert.Throws<DataFormatException>(() => _reader.Read(Request("data.csv", numeric: ["x", "y"])));

        Assert.Contains("data.csv:3: column 'y'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'abc'", error.Message, StringComparison.Ordinal);
        Assert.Contains("on_bad_row: skip", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NonNumericCell_WithSkip_DropsRowAndRecordsReason()
    {
        Write("data.csv", "x,y\n1,2\n3,abc\n5,6\n");

        var data = _reader.Read(Request("data.csv", numeric: ["x", "y"]) with { OnBadRow = BadRowPolicy.Skip });

        Assert.Equal([[1.0, 2.0], [5.0, 6.0]], data.Numeric);
        Assert.Equal([2, 4], data.SourceLines);
        Assert.Equal(1, data.SkippedRows);
        var reason = Assert.Single(data.SkipReasons);
        Assert.Contains("data.csv:3: column 'y'", reason, StringComparison.Ordinal);
        Assert.DoesNotContain("on_bad_row", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Skip_KeepsOnlyTheFirstFiveReasons()
    {
        Write("t.csv", "x\n" + string.Concat(Enumerable.Repeat("bad\n", 7)) + "1\n");

        var data = _reader.Read(Request("t.csv", numeric: ["x"]) with { OnBadRow = BadRowPolicy.Skip });

        Assert.Equal(7, data.SkippedRows);
        Assert.Equal(5, data.SkipReasons.Count);
        Assert.Single(data.Numeric);
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("")]
    [InlineData("  ")]
    public void NaNOrEmptyLabel_IsBadRow(string cell)
    {
        Write("t.csv", $"x,y\n1,{cell}\n2,3\n");

        Assert.Throws<DataFormatException>(() => _reader.Read(Request("t.csv", numeric: ["x"], label: "y")));
        var data = _reader.Read(Request("t.csv", numeric: ["x"], label: "y") with { OnBadRow = BadRowPolicy.Skip });
        Assert.Equal([3.0], data.Labels);
        Assert.Equal(1, data.SkippedRows);
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("1e999")]
    public void NonFiniteFeature_IsBadRow(string cell)
    {
        Write("t.csv", $"x\n{cell}\n");

        var error = Assert.Throws<DataFormatException>(() => _reader.Read(Request("t.csv", numeric: ["x"])));

        Assert.Contains("t.csv:2: column 'x'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PathColumn_ResolvesUnderRoot()
    {
        var inside = Path.Combine(_root.FullName, "img", "c.png");
        Write("t.csv", $"file\nimg/a.png\n./img/../img/b.png\n{inside}\n");

        var data = _reader.Read(Request("t.csv", paths: ["file"]));

        Assert.Equal(Path.Combine(_root.FullName, "img", "a.png"), data.Paths[0][0]);
        Assert.Equal(Path.Combine(_root.FullName, "img", "b.png"), data.Paths[1][0]);
        Assert.Equal(inside, data.Paths[2][0]);
    }

    [Theory]
    [InlineData("../outside.png")]
    [InlineData("img/../../outside.png")]
    public void PathColumn_EscapingRoot_IsRejected(string cell)
    {
        Write("t.csv", $"file\n{cell}\n");

        var error = Assert.Throws<DataFormatException>(() => _reader.Read(Request("t.csv", paths: ["file"])));

        Assert.Contains("t.csv:2: column 'file'", error.Message, StringComparison.Ordinal);
        Assert.Contains("outside the data root", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PathColumn_SiblingFolderSharingRootPrefix_IsRejected()
    {
        // Root "/tmp/abc" must not accept "/tmp/abcdef/x.png" just because the strings share a prefix.
        var sibling = _root.FullName + "def" + Path.DirectorySeparatorChar + "x.png";
        Write("t.csv", $"file\n{sibling}\n");

        var error = Assert.Throws<DataFormatException>(() => _reader.Read(Request("t.csv", paths: ["file"])));

        Assert.Contains("outside the data root", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EmptyPathCell_IsBadRow()
    {
        Write("t.csv", "file,x\n,1\n");

        var error = Assert.Throws<DataFormatException>(() => _reader.Read(Request("t.csv", paths: ["file"])));

        Assert.Contains("column 'file': the path is empty", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingFile_MentionsDataRoot()
    {
        var error = Assert.Throws<DataFormatException>(() => _reader.Read(Request("nope.csv", numeric: ["x"])));

        Assert.Contains("nope.csv: file not found", error.Message, StringComparison.Ordinal);
        Assert.Contains("data.root", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CrlfFile_ParsesLikeLf()
    {
        Write("crlf.csv", "x,name\r\n1,a\r\n\r\n2,b\r\n");
        Write("lf.csv", "x,name\n1,a\n\n2,b\n");

        var crlf = _reader.Read(Request("crlf.csv", numeric: ["x"], text: ["name"]));
        var lf = _reader.Read(Request("lf.csv", numeric: ["x"], text: ["name"]));

        Assert.Equal(["a", "b"], crlf.Text.Select(row => row[0]));
        Assert.Equal(lf.Numeric, crlf.Numeric);
        Assert.Equal([2, 4], crlf.SourceLines);
        Assert.Equal(lf.SourceLines, crlf.SourceLines);
    }

    [Fact]
    public void RowWithWrongFieldCount_IsBadRow()
    {
        Write("t.csv", "x,y\n1,2\n3\n4,5,6\n");

        var error = Assert.Throws<DataFormatException>(() => _reader.Read(Request("t.csv", numeric: ["x"])));
        var data = _reader.Read(Request("t.csv", numeric: ["x"]) with { OnBadRow = BadRowPolicy.Skip });

        Assert.Contains("t.csv:3:", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, data.SkippedRows);
        Assert.Equal([2], data.SourceLines);
    }

    [Fact]
    public void TableWithNoUsableRows_Fails()
    {
        Write("t.csv", "x\nbad\n");

        var error = Assert.Throws<DataFormatException>(() => _reader.Read(Request("t.csv", numeric: ["x"]) with { OnBadRow = BadRowPolicy.Skip }));

        Assert.Contains("no usable rows", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnclosedQuote_NamesTheLineItOpensOn()
    {
        Write("t.csv", "x,s\n1,ok\n2,\"never closed\n3,x\n");

        var error = Assert.Throws<DataFormatException>(() => _reader.Read(Request("t.csv", numeric: ["x"])));

        Assert.Contains("t.csv:3: a quoted field is never closed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NoLabelColumn_GivesEmptyLabels_AndOneEmptyArrayPerRow()
    {
        Write("t.csv", "s\nhello\n\"\"\n");

        var data = _reader.Read(Request("t.csv", text: ["s"]));

        Assert.Empty(data.Labels);
        Assert.Equal(2, data.Numeric.Length);
        Assert.All(data.Numeric, row => Assert.Empty(row));
        Assert.Equal(["hello", ""], data.Text.Select(row => row[0]));
    }

    private void Write(string name, string content) =>
        File.WriteAllText(Path.Combine(_root.FullName, name), content, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));

    private TableRequest Request(
        string path,
        string[]? numeric = null,
        string? label = null,
        string[]? paths = null,
        string[]? text = null) =>
        new()
        {
            Path = path,
            DataRoot = _root.FullName,
            NumericColumns = numeric ?? [],
            LabelColumn = label,
            PathColumns = paths ?? [],
            TextColumns = text ?? [],
        };
}
