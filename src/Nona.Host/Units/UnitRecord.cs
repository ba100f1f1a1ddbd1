using Nona.Host.Protocol;

namespace Nona.Host.Units;

/// <summary>One result row of a finished unit, with what the run folder's other outputs need from it.</summary>
/// <param name="Row">The row of results.csv.</param>
/// <param name="Seconds">Wall time of the method (run.json's timings).</param>
/// <param name="Fitted">A regressor's chosen settings (run.json), or null.</param>
/// <param name="Surface">Split 0 of a 2-D dataset: the method's predictions over the surfaces grid, or null.</param>
internal sealed record UnitRow(ResultRow Row, double Seconds, string? Fitted, double[]? Surface);

/// <summary>What a finished unit leaves in its <c>done.json</c>: its rows, notes and training outcome.</summary>
/// <param name="Rows">Its rows in results.csv order.</param>
/// <param name="Notes">Notes for the end of the run (a divergence, dropped files).</param>
/// <param name="Outcome">How its training ended (null for baselines).</param>
internal sealed record UnitRecord(IReadOnlyList<UnitRow> Rows, IReadOnlyList<string> Notes, TrainingOutcome? Outcome);
