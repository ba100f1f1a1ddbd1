namespace Nona.Host.Cli;

/// <summary>The process exit codes.</summary>
internal static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Ok = 0;

    /// <summary>A run or data problem (bad data file, failed run).</summary>
    public const int Failed = 1;

    /// <summary>A usage or recipe problem: nothing was run or written.</summary>
    public const int BadRecipe = 2;

    /// <summary>The run finished, but at least one method diverged (its rows hold NaN; the notes say which).</summary>
    public const int Diverged = 3;

    /// <summary>Stopped by Ctrl+C or SIGTERM after writing checkpoints: resumable with <c>nona run --resume</c>.</summary>
    public const int Interrupted = 130;
}
