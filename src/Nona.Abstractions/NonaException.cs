namespace Nona.Abstractions;

/// <summary>
/// A problem the user can fix (bad recipe, bad data, missing file). The message is one line that names the file,
/// the place and the fix; the host prints it without a stack trace and exits non-zero.
/// </summary>
public class NonaException : Exception
{
    /// <summary>Creates the error with its one-line message.</summary>
    public NonaException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the error with its one-line message and the underlying cause.</summary>
    public NonaException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>A problem in an input data file: the message names the file, the row and the column.</summary>
public class DataFormatException : NonaException
{
    /// <summary>Creates the error.</summary>
    public DataFormatException(string message)
        : base(message)
    {
    }
}

/// <summary>
/// A sample whose file passed the load-time check but whose body fails to decode when a batch is built (a
/// truncated JPEG, a damaged Opus stream). Thrown by <see cref="SampleInputSource"/> around its
/// <c>LoadSample</c>'s <see cref="DataFormatException"/>, with the sample's index, so the host can drop it under
/// <c>on_bad_*: skip</c> (<see cref="InputSource.SkipsBadSamples"/>) or stop with the file's name under <c>fail</c>.
/// </summary>
public sealed class SampleDecodeException : DataFormatException
{
    /// <summary>Creates the error for sample <paramref name="index"/>.</summary>
    public SampleDecodeException(int index, DataFormatException inner)
        : base(inner?.Message ?? throw new ArgumentNullException(nameof(inner)))
    {
        Index = index;
    }

    /// <summary>The sample's index in its source.</summary>
    public int Index { get; }
}
