using System.Globalization;
using System.Text;
using Nona.Host.Output;

namespace Nona.Host.Diagnostics;

/// <summary>
/// An exception we did not expect (a bug, ours or a native library's) as one short line — what failed, in which of
/// our methods, where the full trace is — with the full trace written to a file: the run folder's
/// <c>internal-error.txt</c> when a run folder exists, else a file in the temporary folder. libtorch's messages carry
/// ~20 native frames; on one console line they hide the one fact a user needs.
/// </summary>
internal static class InternalErrorReport
{
    /// <summary>The file name inside a run folder.</summary>
    public const string FileName = "internal-error.txt";

    private const string RunFolderKey = "nona.run-folder";
    private const int MessageLimit = 160;

    /// <summary>
    /// Records on <paramref name="error"/> which run folder it happened in; returns false so it can sit in an
    /// exception filter (<c>catch ... when (Tag(e, folder))</c>) without unwinding or catching anything.
    /// </summary>
    public static bool Tag(Exception error, string folder)
    {
        if (!error.Data.Contains(RunFolderKey))
            error.Data[RunFolderKey] = folder;
        return false;
    }

    /// <summary>Writes the full report to a file and returns the one line for the console.</summary>
    public static string Write(Exception error)
    {
        var path = ReportPath(error);
        string where;
        try
        {
            AtomicFile.WriteText(path, FullText(error));
            where = $"trace in {path}";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            where = $"no trace file: {path}: {e.Message}";
        }

        var frame = FirstOwnFrame(error);
        var at = frame is null ? "" : $" in {frame}";
        return $"internal error: {error.GetType().Name}{at}: {Summary(error.Message)} — {where} (NONA_DEBUG=1 prints it here); please report it";
    }

    /// <summary>The message's first sentence or line, without libtorch's "Exception raised from …" frames, at most 160 characters.</summary>
    public static string Summary(string message)
    {
        var text = message.ReplaceLineEndings(" ");
        var native = text.IndexOf("Exception raised from", StringComparison.Ordinal);
        if (native > 0)
            text = text[..native];
        text = text.Trim();
        return text.Length <= MessageLimit ? text : text[..(MessageLimit - 1)] + "…";
    }

    /// <summary>The first stack frame in our own code (a <c>Nona.</c> method), as Type.Method; null when there is none.</summary>
    public static string? FirstOwnFrame(Exception error)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            var frames = new System.Diagnostics.StackTrace(e, fNeedFileInfo: false).GetFrames();
            foreach (var frame in frames)
            {
                if (frame.GetMethod() is { DeclaringType.FullName: { } name } method && name.StartsWith("Nona.", StringComparison.Ordinal))
                    return Describe(method);
            }
        }

        return null;
    }

    private static string Describe(System.Reflection.MethodBase method)
    {
        // Lambdas (<Run>b__3_0 in <>c) and iterators (MoveNext in <Run>d__3) are compiler-generated: name the method
        // and the type the source has.
        var type = method.DeclaringType!;
        var name = method.Name;
        if (name.StartsWith('<'))
            name = name[1..name.IndexOf('>', StringComparison.Ordinal)];
        else if (type.Name.StartsWith('<') && type.Name.Length > 2 && type.Name[1] != '>')
            name = type.Name[1..type.Name.IndexOf('>', StringComparison.Ordinal)];
        while (type.DeclaringType is { } outer && type.Name.StartsWith('<'))
            type = outer;
        return $"{type.FullName}.{name}";
    }

    private static string ReportPath(Exception error)
    {
        if (error.Data[RunFolderKey] is string folder && Directory.Exists(folder))
            return Path.Combine(folder, FileName);
        var stamp = DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        return Path.Combine(Path.GetTempPath(), $"nona-internal-error-{stamp}-{Environment.ProcessId}.txt");
    }

    private static string FullText(Exception error)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"nona internal error, {DateTime.Now:O}, pid {Environment.ProcessId}").AppendLine();
        text.Append(CultureInfo.InvariantCulture, $"command line: {Environment.CommandLine}").AppendLine();
        text.AppendLine();
        text.AppendLine(error.ToString());
        return text.ToString();
    }
}
