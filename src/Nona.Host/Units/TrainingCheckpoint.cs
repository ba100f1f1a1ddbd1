using System.Text;
using System.Text.Json;
using Nona.Host.Output;
using TorchSharp;
using static TorchSharp.torch;

namespace Nona.Host.Units;

/// <summary>
/// A unit's training checkpoint, <c>checkpoint.bin</c> in its folder, written atomically (temporary file, flushed
/// to disk, renamed): a header, the <see cref="TrainingProgress"/> as JSON, then named tensors in TorchSharp's own
/// tensor format — the model's state, the best weights so far, Adam's moments and, inside an epoch, torch's
/// generator state and the epoch's loss sum. Loading writes into the tensors of a model built from the same recipe,
/// so a checkpoint of another model fails on the first name, shape or type that differs.
/// </summary>
internal sealed class TrainingCheckpoint(string path)
{
    private const string Magic = "NONA-CHECKPOINT-1";

    /// <summary>The file.</summary>
    public string Path { get; } = path;

    /// <summary>True when a checkpoint was written.</summary>
    public bool Exists => File.Exists(Path);

    /// <summary>Writes <paramref name="progress"/> and <paramref name="tensors"/> (in order; names must be unique).</summary>
    public void Save(TrainingProgress progress, IEnumerable<(string Name, Tensor Tensor)> tensors)
    {
        AtomicFile.Write(Path, temporary =>
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
            {
                using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
                writer.Write(Magic);
                writer.Write(JsonSerializer.Serialize(progress, UnitJson.Options));
                var list = tensors.ToList();
                writer.Write(list.Count);
                foreach (var (name, tensor) in list)
                {
                    writer.Write(name);
                    tensor.Save(writer);
                }

                writer.Flush();
                stream.Flush(flushToDisk: true); // a checkpoint must survive the machine, not only the process
            }

            CrashPoints.Pass("checkpoint-write");
        });
    }

    /// <summary>
    /// Reads the checkpoint: its progress, and each tensor into <paramref name="target"/>(name) — a tensor of the
    /// same shape and type.
    /// </summary>
    public TrainingProgress Load(Func<string, Tensor?> target)
    {
        using var stream = File.OpenRead(Path);
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        if (reader.ReadString() != Magic)
            throw new Abstractions.NonaException($"{Path}: not a NONA checkpoint (or one of another version); delete it to restart this unit from scratch");
        var progress = JsonSerializer.Deserialize<TrainingProgress>(reader.ReadString(), UnitJson.Options)
            ?? throw new Abstractions.NonaException($"{Path}: the checkpoint's header is empty; delete it to restart this unit from scratch");
        var count = reader.ReadInt32();
        using var noGrad = no_grad();
        for (var i = 0; i < count; i++)
        {
            var name = reader.ReadString();
            var tensor = target(name) ?? throw new Abstractions.NonaException($"{Path}: the checkpoint holds '{name}', which this recipe's model does not have; was the recipe changed? delete the checkpoint to restart this unit");
            tensor.Load(reader);
        }

        return progress;
    }

    /// <summary>Removes the checkpoint (its unit is done).</summary>
    public void Delete()
    {
        if (File.Exists(Path))
            File.Delete(Path);
    }
}
