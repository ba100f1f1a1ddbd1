using System.Globalization;
using System.Text;
using Nona.Host.Protocol;

namespace Nona.Host.Output;

/// <summary>
/// <c>log.csv</c>: one line per epoch of every training run, appended (and flushed) as it ends, so a run can be
/// watched with <c>tail -f</c> and the log survives a crash. Columns:
/// <c>dataset,method,split,epoch,train_loss,val_mse_scaled,lr,seconds,samples_per_second,pid</c>. An epoch run again
/// after a resume appears again, with the resuming process's pid.
/// </summary>
internal static class RunLog
{
    /// <summary>The header line.</summary>
    public const string Header = "dataset,method,split,epoch,train_loss,val_mse_scaled,lr,seconds,samples_per_second,pid";

    /// <summary>The file name in a run folder.</summary>
    public const string FileName = "log.csv";

    /// <summary>Appends one epoch.</summary>
    public static void Append(string folder, string dataset, int split, string method, EpochReport report)
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, FileName);
        if (!File.Exists(path))
            CreateWithHeader(path);
        var line = new StringBuilder();
        line.Append(CultureInfo.InvariantCulture, $"{ResultsCsv.Quote(dataset)},{ResultsCsv.Quote(method)},{split},{report.Epoch},{report.TrainLoss:R},{report.ValMse:R},{report.Lr:R},{report.Seconds:F3},{report.SamplesPerSecond:F1},{Environment.ProcessId}\n");
        using var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
        var bytes = Encoding.UTF8.GetBytes(line.ToString());
        stream.Write(bytes);
        stream.Flush(flushToDisk: false);
    }

    /// <summary>
    /// Creates the file holding only the header, atomically: cluster tasks of one run append to the same log, and
    /// a header written after the create would let another task's line come first (or appear twice).
    /// </summary>
    private static void CreateWithHeader(string path)
    {
        var temporary = $"{path}.tmp-{Guid.NewGuid():N}";
        File.WriteAllText(temporary, Header + "\n");
        try
        {
            File.Move(temporary, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(temporary); // another process created it first
        }
    }
}
