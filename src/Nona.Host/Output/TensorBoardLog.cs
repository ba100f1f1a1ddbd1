using System.Globalization;
using Nona.Host.Protocol;
using TorchSharp;

namespace Nona.Host.Output;

/// <summary>
/// The run log as TensorBoard event files (<c>tensorboard/</c> in the run folder; <c>tensorboard --logdir
/// runs/u/tensorboard</c>): per epoch, <c>DATASET/split-K/METHOD/train_loss</c>, <c>…/val_mse_scaled</c> and
/// <c>…/lr</c>, step = epoch. Written with TorchSharp's SummaryWriter (TFRecord framing, masked CRC32C); each
/// process that works on the run adds its own events file, which TensorBoard reads together.
/// </summary>
internal sealed class TensorBoardLog(string folder)
{
    private TorchSharp.Modules.SummaryWriter? writer;

    /// <summary>The folder of the event files.</summary>
    public string Folder { get; } = folder;

    /// <summary>Writes one epoch's scalars.</summary>
    public void Add(string dataset, int split, string method, EpochReport report)
    {
        writer ??= torch.utils.tensorboard.SummaryWriter(Folder);
        var prefix = string.Create(CultureInfo.InvariantCulture, $"{dataset}/split-{split}/{method}");
        writer.add_scalar($"{prefix}/train_loss", (float)report.TrainLoss, report.Epoch);
        writer.add_scalar($"{prefix}/val_mse_scaled", (float)report.ValMse, report.Epoch);
        writer.add_scalar($"{prefix}/lr", (float)report.Lr, report.Epoch);
    }
}
