using System.Buffers;
using System.Globalization;
using System.Text;

namespace Nona.Host.Recipes;

/// <summary>
/// Reads a recipe file as strict UTF-8. A lenient reader turns a stray Latin-1 byte into U+FFFD, which then
/// surfaces as a run name or path full of replacement characters; refusing the file names the byte instead.
/// </summary>
internal static class RecipeText
{
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The file's text (without a UTF-8 BOM), or null with a problem at the first invalid byte.</summary>
    /// <param name="path">The recipe file.</param>
    /// <param name="problems">Where an invalid byte is reported.</param>
    public static string? Read(string path, RecipeProblems problems)
    {
        var bytes = File.ReadAllBytes(path);
        var start = bytes.AsSpan().StartsWith(Encoding.UTF8.Preamble) ? Encoding.UTF8.Preamble.Length : 0;
        try
        {
            return Strict.GetString(bytes, start, bytes.Length - start);
        }
        catch (DecoderFallbackException)
        {
            // The exception's index is not reliable across decoder buffering, so find the byte ourselves.
            var (line, column, value) = FirstInvalid(bytes.AsSpan(start));
            problems.Add(line, column, $"the file is not valid UTF-8 (byte 0x{value.ToString("X2", CultureInfo.InvariantCulture)}); save it as UTF-8");
            return null;
        }
    }

    /// <summary>The 1-based line and column (in characters) of the first byte that is not valid UTF-8, and the byte.</summary>
    private static (int Line, int Column, byte Value) FirstInvalid(ReadOnlySpan<byte> bytes)
    {
        var line = 1;
        var column = 1;
        var offset = 0;
        while (offset < bytes.Length)
        {
            if (Rune.DecodeFromUtf8(bytes[offset..], out var rune, out var consumed) != OperationStatus.Done)
                return (line, column, bytes[offset]);
            // \r\n, \n and a lone \r each end a line, as they do for YAML.
            var breaksLine = rune.Value == '\n' || (rune.Value == '\r' && (offset + 1 >= bytes.Length || bytes[offset + 1] != '\n'));
            (line, column) = breaksLine ? (line + 1, 1) : (line, column + (rune.Value == '\r' ? 0 : 1));
            offset += consumed;
        }

        return (line, column, 0); // not reached: the strict decoder only throws on an invalid byte
    }
}
