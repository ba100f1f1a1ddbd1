using Nona.Abstractions;
using Nona.Host.Reports;
using Spectre.Console;

namespace Nona.Host.Cli;

/// <summary><c>nona report RUN_DIR... [--out DIR]</c>: one report from the results of one or more runs.</summary>
internal static class ReportCommand
{
    /// <summary>Writes the report; returns the exit code.</summary>
    public static int Execute(IReadOnlyList<string> runFolders, string? outFolder, MapOptions maps, IAnsiConsole console)
    {
        if (runFolders.Count == 0)
            throw new NonaException("nona report needs at least one run folder (e.g. runs/synthetic-20261126-120000)");
        var folders = runFolders.Select(f => Path.GetFullPath(f)).ToList();
        foreach (var folder in folders.Where(f => !Directory.Exists(f)))
            throw new NonaException($"{folder}: run folder not found");
        var target = Path.GetFullPath(outFolder ?? (folders.Count == 1 ? folders[0] : Path.Combine("reports", $"report-{DateTime.Now:yyyyMMdd-HHmmss}")));
        var title = folders.Count == 1 ? $"Report: {Path.GetFileName(folders[0])}" : $"Report: {folders.Count} runs";
        var isSweep = folders.Count == 1 && Sweeps.SweepReport.IsSweep(folders[0]);
        var rows = isSweep ? [] : ResultsReader.Read(folders);
        var document = isSweep ? Sweeps.SweepReport.Build(title, folders[0]) : ReportBuilder.Build(title, rows, folders);
        EmbeddingMaps.AddTo(document, folders, maps, [.. rows.Select(r => r.Dataset).Distinct()]);
        ReportBuilder.Write(document, target, title);
        console.MarkupLineInterpolated($"Report: {Path.Combine(target, "report.md")}, {Path.Combine(target, "report.html")}");
        return ExitCodes.Ok;
    }
}
