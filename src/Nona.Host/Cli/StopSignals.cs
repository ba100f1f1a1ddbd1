using System.Runtime.InteropServices;

namespace Nona.Host.Cli;

/// <summary>
/// Ctrl-C (SIGINT) and SIGTERM — what Slurm and Kubernetes send before a kill — stop a run cleanly: the first one
/// cancels the token, so the current training step finishes, a checkpoint is written and the run exits with 130.
/// A second Ctrl-C stops the process at once; the run is still resumable from its last checkpoint.
/// </summary>
internal sealed class StopSignals : IDisposable
{
    private readonly CancellationTokenSource cancellation = new();
    private readonly List<PosixSignalRegistration> registrations = [];
    private readonly TextWriter errors;
    private int signals;

    /// <summary>Starts listening; <see cref="Token"/> is cancelled by the first signal.</summary>
    public StopSignals(TextWriter errors)
    {
        this.errors = errors;
        registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal));
        registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal));
    }

    /// <summary>Cancelled when the run should stop.</summary>
    public CancellationToken Token => cancellation.Token;

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var registration in registrations)
            registration.Dispose();
        cancellation.Dispose();
    }

    private void OnSignal(PosixSignalContext context)
    {
        if (Interlocked.Increment(ref signals) == 1)
        {
            context.Cancel = true; // keep running until the step ends
            errors.WriteLine($"{(context.Signal == PosixSignal.SIGTERM ? "SIGTERM" : "Ctrl-C")}: stopping after the current step (Ctrl-C again stops at once; the run stays resumable)");
            cancellation.Cancel();
        }
        else
        {
            context.Cancel = false; // the default action: the process ends now
        }
    }
}
