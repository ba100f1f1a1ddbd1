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
