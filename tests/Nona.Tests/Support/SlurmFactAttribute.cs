using Xunit;

namespace Nona.Tests.Support;

/// <summary>
/// A test that needs a running Slurm (sbatch on PATH, SLURM_CONF naming a reachable cluster, as
/// tools/local-slurm/start makes): skipped with the reason where there is none, unless
/// <c>NONA_REQUIRE_SLURM=1</c> (set by .ci/run after it starts the cluster) makes absence a failure.
/// </summary>
public sealed class SlurmFactAttribute : FactAttribute
{
    /// <summary>The variable that turns a missing cluster from a skip into a failure.</summary>
    public const string RequiredVariable = "NONA_REQUIRE_SLURM";

    public SlurmFactAttribute()
    {
        if (Environment.GetEnvironmentVariable(RequiredVariable) == "1")
            return;
        if (!OnPath("sbatch"))
            Skip = $"Slurm is not installed (sbatch not on PATH; see docs/cluster.md: tools/local-slurm/start --install); set {RequiredVariable}=1 to fail instead";
        else if (Environment.GetEnvironmentVariable("SLURM_CONF") is not { Length: > 0 } conf || !File.Exists(conf))
            Skip = $"no cluster: export SLURM_CONF (tools/local-slurm/start prints the line); set {RequiredVariable}=1 to fail instead";
    }

    private static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Any(folder => File.Exists(Path.Combine(folder, program)));
}
