using System.Text;
using Nona.Abstractions;

namespace Nona.Host.Data;

/// <summary>One record of a delimited file: its fields and the 1-based line it starts on.</summary>
/// <param name="Line">The physical line of the record's first character.</param>
/// <param name="Fields">The fields, unquoted, in file order.</param>
public readonly record struct CsvRecord(int Line, string[] Fields);

/// <summary>
/// An RFC 4180 tokenizer over a <see cref="TextReader"/>: quoted fields may hold the delimiter, doubled quotes and
/// CR/LF/CRLF line breaks. Entirely empty lines are skipped. It reads in chunks, so a file is never held whole.
/// </summary>
public sealed class CsvRecordReader
{
    private readonly TextReader _reader;
    private readonly char _delimiter;
    private readonly string _source;
    private readonly char[] _buffer = new char[1 << 16];
    private readonly StringBuilder _field = new();
    private readonly List<string> _fields = [];
    private int _position;
    private int _length;

    /// <summary>Creates a tokenizer; <paramref name="source"/> names the input in error messages.</summary>
    public CsvRecordReader(TextReader reader, char delimiter, string source)
    {
        ArgumentNullException.ThrowIfNull(reader);
        if (delimiter is '"' or '\r' or '\n')
        {
            throw new ArgumentException($"'{delimiter}' cannot be a field delimiter.", nameof(delimiter));
        }

        _reader = reader;
        _delimiter = delimiter;
        _source = source;
    }

    /// <summary>The physical line the reader is on (1-based); useful when the underlying reader fails.</summary>
    public int Line { get; private set; } = 1;

    /// <summary>Reads the records one at a time. Throws <see cref="DataFormatException"/> on an unclosed quote.</summary>
    public IEnumerable<CsvRecord> ReadRecords()
    {
        while (TryReadRecord(out var record))
        {
            yield return record;
        }
    }

    /// <summary>Reads the next record; false at the end of the input.</summary>
    public bool TryReadRecord(out CsvRecord record)
    {
        var c = Next();
        while (c is '\r' or '\n')
        {
            EndOfLine(c);
            c = Next();
        }

        if (c < 0)
        {
            record = default;
            return false;
        }

        var startLine = Line;
        _fields.Clear();
        while (true)
        {
            if (c == '"')
            {
                c = ReadQuoted();
            }

            // Text outside quotes is kept literally, including a stray quote or text after a closing quote: lenient
            // here, because the field count check downstream catches the cases where it matters.
            while (c >= 0 && c != _delimiter && c != '\r' && c != '\n')
            {
                _field.Append((char)c);
                c = Next();
            }

            _fields.Add(_field.ToString());
            _field.Clear();
            if (c != _delimiter)
            {
                break;
            }

            c = Next();
        }

        if (c >= 0)
        {
            EndOfLine(c);
        }

        record = new CsvRecord(startLine, [.. _fields]);
        return true;
    }

    /// <summary>Reads a quoted field after its opening quote; returns the character after the closing quote.</summary>
    private int ReadQuoted()
    {
        var openLine = Line;
        while (true)
        {
            var c = Next();
            if (c < 0)
            {
                throw new DataFormatException(
                    $"{_source}:{openLine}: a quoted field is never closed; add the closing '\"' (write a quote inside a field as \"\")");
            }

            if (c == '"')
            {
                if (Peek() != '"')
                {
                    return Next();
                }

                Next();
            }
            else if (c == '\r')
            {
                // A CRLF inside quotes is one line break in the count but both characters stay in the value.
                Line++;
                if (Peek() == '\n')
                {
                    _field.Append('\r');
                    c = Next();
                }
            }
            else if (c == '\n')
            {
                Line++;
            }

            _field.Append((char)c);
        }
    }

    private void EndOfLine(int c)
    {
        if (c == '\r' && Peek() == '\n')
        {
            Next();
        }

        Line++;
    }

    private int Next()
    {
        if (_position == _length && !Fill())
        {
            return -1;
        }

        return _buffer[_position++];
    }

    private int Peek()
    {
        if (_position == _length && !Fill())
        {
            return -1;
        }

        return _buffer[_position];
    }

    private bool Fill()
    {
        _length = _reader.Read(_buffer, 0, _buffer.Length);
        _position = 0;
        return _length > 0;
    }
}
