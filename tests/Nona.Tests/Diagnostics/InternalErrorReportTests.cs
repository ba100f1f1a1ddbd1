using System.Runtime.InteropServices;
using Nona.Host.Diagnostics;
using TorchSharp;
using Xunit;

namespace Nona.Tests.Diagnostics;

/// <summary>An unexpected error prints one short line and leaves its full trace in a file.</summary>
public sealed class InternalErrorReportTests
{
    [Fact]
    public void A_libtorch_error_becomes_one_short_line_and_the_full_trace_goes_to_the_run_folder()
    {
        var folder = Directory.CreateTempSubdirectory("nona-internal-error-").FullName;
        try
        {
            var error = LibtorchShapeError();
            Assert.Contains("Exception raised from", error.Message, StringComparison.Ordinal); // libtorch's native frames
            Assert.True(error.Message.Length > 500, $"expected libtorch's long message, got {error.Message.Length} characters");

            Assert.False(InternalErrorReport.Tag(error, folder)); // a filter that never catches
            var line = InternalErrorReport.Write(error);

            var report = Path.Combine(folder, InternalErrorReport.FileName);
            Assert.DoesNotContain('\n', line);
            Assert.True(line.Length - report.Length <= 320, $"line of {line.Length} characters: {line}");
            Assert.StartsWith("internal error: ExternalException in Nona.Tests.Diagnostics.InternalErrorReportTests.LibtorchShapeError: ", line, StringComparison.Ordinal);
            Assert.Contains(report, line, StringComparison.Ordinal);
            Assert.Contains("NONA_DEBUG=1", line, StringComparison.Ordinal);
            Assert.DoesNotContain("Exception raised from", line, StringComparison.Ordinal);

            var trace = File.ReadAllText(report);
            Assert.Contains(error.Message, trace, StringComparison.Ordinal); // every native frame, verbatim
            Assert.Contains(nameof(LibtorchShapeError), trace, StringComparison.Ordinal); // and the managed stack
            Assert.Empty(Directory.GetFiles(folder, "*.tmp-*")); // written atomically
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Without_a_run_folder_the_trace_goes_to_the_temporary_folder()
    {
        var error = Thrown(() => throw new InvalidOperationException("boom\nsecond line"));
        var line = InternalErrorReport.Write(error);
        var path = line[(line.IndexOf(" trace in ", StringComparison.Ordinal) + 10)..line.IndexOf(" (NONA_DEBUG", StringComparison.Ordinal)];
        try
        {
            Assert.StartsWith(Path.GetTempPath(), path, StringComparison.Ordinal);
            Assert.Contains("InvalidOperationException: boom", File.ReadAllText(path), StringComparison.Ordinal);
            Assert.StartsWith("internal error: InvalidOperationException in Nona.Tests.Diagnostics.InternalErrorReportTests.Without_a_run_folder_the_trace_goes_to_the_temporary_folder: boom second line — ", line, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("short", "short")]
    [InlineData("Unknown scalar type. Exception raised from type at /pytorch/c10/core/Scalar.h:339 frame #0", "Unknown scalar type.")]
    [InlineData("line one\r\nline two", "line one line two")]
    public void The_summary_drops_native_frames_and_line_breaks(string message, string expected)
        => Assert.Equal(expected, InternalErrorReport.Summary(message));

    [Fact]
    public void The_summary_is_cut_at_160_characters()
    {
        var summary = InternalErrorReport.Summary(new string('x', 1000));
        Assert.Equal(160, summary.Length);
        Assert.EndsWith("…", summary, StringComparison.Ordinal);
    }

    private static ExternalException LibtorchShapeError()
    {
        using var a = torch.ones(2, 3);
        using var b = torch.ones(4, 5);
        try
        {
            // cat, not matmul: TorchSharp's THSTensor_matmul does not catch libtorch errors, which ends the process.
            using var joined = torch.cat([a, b], 0);
        }
        catch (ExternalException e)
        {
            return e;
        }

        throw new InvalidOperationException("libtorch joined (2,3) and (4,5) along dimension 0");
    }

    private static Exception Thrown(Action action)
    {
        try
        {
            action();
        }
        catch (Exception e)
        {
            return e;
        }

        throw new InvalidOperationException("nothing was thrown");
    }
}
