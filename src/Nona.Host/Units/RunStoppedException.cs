namespace Nona.Host.Units;

/// <summary>A run stopped by a signal after writing its checkpoints: the command line says how to resume it.</summary>
/// <param name="folder">The run folder.</param>
/// <param name="inner">The cancellation.</param>
/// <param name="resume">The command that continues it (default: <c>nona run --resume FOLDER</c>).</param>
internal sealed class RunStoppedException(string folder, Exception inner, string? resume = null) : OperationCanceledException($"stopped; resume with: {resume ?? $"nona run --resume {folder}"}", inner)
{
    /// <summary>The run folder to resume.</summary>
    public string Folder { get; } = folder;
}
