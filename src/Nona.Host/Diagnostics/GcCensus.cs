using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Globalization;

namespace Nona.Host.Diagnostics;

/// <summary>
/// <c>NONA_GC_TRACE=1</c>: counts the runtime's garbage collections by the thread that started them (the runtime's
/// own GCStart event, read in-process) and prints one line per thread at exit, so "which thread triggers the
/// collections during training" is measured rather than guessed. Thread names are Linux's (/proc/self/task/TID/comm);
/// the main thread, which trains, is the one whose id is the process id.
/// </summary>
internal sealed class GcCensus : EventListener
{
    /// <summary>The variable's name.</summary>
    public const string Variable = "NONA_GC_TRACE";

    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private readonly ConcurrentDictionary<long, (string Name, int Count)> byThread = new();
    private readonly ConcurrentDictionary<string, int> byReason = new();

    /// <summary>Starts counting when <see cref="Variable"/> is set; the result prints when the process exits.</summary>
    public static void StartIfRequested(TextWriter errors)
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(Variable)))
            return;
        var census = new GcCensus();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => census.Report(errors);
    }

    /// <inheritdoc />
    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
            EnableEvents(eventSource, EventLevel.Informational, GcKeyword);
    }

    /// <inheritdoc />
    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (eventData.EventName is null || !eventData.EventName.StartsWith("GCStart", StringComparison.Ordinal))
            return;
        var thread = eventData.OSThreadId;
        byThread.AddOrUpdate(thread, id => (ThreadName(id), 1), (_, entry) => (entry.Name, entry.Count + 1));
        var reasonIndex = eventData.PayloadNames?.IndexOf("Reason") ?? -1;
        var reason = reasonIndex >= 0 ? Convert.ToString(eventData.Payload![reasonIndex], CultureInfo.InvariantCulture) ?? "?" : "?";
        byReason.AddOrUpdate(reason, 1, (_, n) => n + 1);
    }

    private void Report(TextWriter errors)
    {
        var total = byThread.Values.Sum(v => v.Count);
        errors.WriteLine($"gc census: {total} collections; by reason (runtime's GCReason codes): {string.Join(", ", byReason.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => $"{r.Key}={r.Value}"))}");
        foreach (var (id, (name, count)) in byThread.OrderByDescending(t => t.Value.Count))
            errors.WriteLine($"gc census: {count} started on thread {id} '{name}'{(id == Environment.ProcessId ? " (main thread: the training loop)" : "")}");
    }

    private static string ThreadName(long id)
    {
        try
        {
            return File.ReadAllText($"/proc/self/task/{id}/comm").Trim();
        }
        catch (IOException)
        {
            return "?";
        }
        catch (UnauthorizedAccessException)
        {
            return "?";
        }
    }
}
