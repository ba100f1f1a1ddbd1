using System.Globalization;

namespace Nona.Host.Units;

/// <summary>
/// The lock a process holds on a unit while it runs it: the file <c>lock</c> in the unit folder, created
/// exclusively, holding <c>PID HOST START</c> (START = the process's start time, so a reused PID is not mistaken
/// for the holder). A lock whose holder is dead — on this host: no such process or another start time; on another
/// host: not refreshed for <see cref="StaleAfter"/> — is stale and taken over. The holder refreshes the file's time
/// every minute, so a lock on a shared file system tells other hosts that it is alive.
/// </summary>
internal sealed class UnitLock : IDisposable
{
    /// <summary>How long another host's lock may go unrefreshed before it counts as stale.</summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(10);

    private static readonly TimeSpan Refresh = TimeSpan.FromMinutes(1);
    private readonly string path;
    private readonly Timer heartbeat;

    private UnitLock(string path)
    {
        this.path = path;
        heartbeat = new Timer(_ => Touch(), null, Refresh, Refresh);
    }

    /// <summary>This process as a lock holder: <c>PID HOST START</c>.</summary>
    public static string Self { get; } = string.Create(CultureInfo.InvariantCulture, $"{Environment.ProcessId} {Environment.MachineName} {StartTime(Environment.ProcessId)}");

    /// <summary>Takes the lock of the unit folder <paramref name="folder"/>, or returns null and who holds it.</summary>
    public static UnitLock? TryTake(string folder, out string holder)
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "lock");
        for (var attempt = 0; attempt < 3; attempt++)
        {
            try
            {
                using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
                using (var writer = new StreamWriter(stream))
                    writer.Write(Self);
                holder = Self;
                return new UnitLock(path);
            }
            catch (IOException) when (File.Exists(path))
            {
                holder = Read(path);
                if (!IsStale(path, holder))
                    return null;
                // Move the stale lock aside under a unique name: of several processes taking it over, one wins the
                // rename of the original file and the next CreateNew decides among the rest.
                try
                {
                    File.Move(path, $"{path}.stale-{Guid.NewGuid():N}");
                }
                catch (IOException)
                {
                }
                catch (UnauthorizedAccessException)
                {
                }

                foreach (var stale in Directory.EnumerateFiles(folder, "lock.stale-*"))
                    File.Delete(stale);
            }
        }

        holder = File.Exists(path) ? Read(path) : "(unknown)";
        return null;
    }

    /// <summary>True when <paramref name="holder"/> (the contents of a lock file) is a process that no longer runs.</summary>
    public static bool IsStale(string path, string holder)
    {
        var parts = holder.Split(' ');
        if (parts.Length != 3 || !int.TryParse(parts[0], CultureInfo.InvariantCulture, out var pid))
            return true; // a lock file cut short by a crash while it was written
        if (parts[1] != Environment.MachineName)
            return DateTime.UtcNow - File.GetLastWriteTimeUtc(path) > StaleAfter;
        return StartTime(pid) != parts[2];
    }

    /// <inheritdoc />
    public void Dispose()
    {
        heartbeat.Dispose();
        try
        {
            if (File.Exists(path) && Read(path) == Self)
                File.Delete(path);
        }
        catch (IOException)
        {
            // The unit's done marker is already written; a lock left behind is stale by construction.
        }
    }

    private void Touch()
    {
        try
        {
            File.SetLastWriteTimeUtc(path, DateTime.UtcNow);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static string Read(string path)
    {
        try
        {
            return File.ReadAllText(path).Trim();
        }
        catch (IOException)
        {
            return "";
        }
    }

    /// <summary>A process's start time (Linux: field 22 of /proc/PID/stat, in clock ticks since boot); "-" when it does not run.</summary>
    private static string StartTime(int pid)
    {
        var stat = $"/proc/{pid}/stat";
        if (File.Exists(stat))
        {
            try
            {
                var text = File.ReadAllText(stat);
                var fields = text[(text.LastIndexOf(')') + 2)..].Split(' '); // the name may hold spaces: fields start after ")"
                return fields[19];
            }
            catch (IOException)
            {
                return "-";
            }
        }

        if (OperatingSystem.IsLinux())
            return "-";
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return process.StartTime.ToUniversalTime().Ticks.ToString(CultureInfo.InvariantCulture);
        }
        catch (ArgumentException)
        {
            return "-";
        }
    }
}
