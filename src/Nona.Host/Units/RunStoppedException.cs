namespace Nona.Host.Units;

/// <summary>A run stopped by a signal after writing its checkpoints: the command line says how to resume it.</summary>
internal sealed class RunStoppedException(string folder, Exception inner) : OperationCanceledException($"stopped; resume with: nona run --resume {folder}", inner)
{
    /// <summary>The run folder to resume.</summary>
    public string Folder { get; } = folder;
}
