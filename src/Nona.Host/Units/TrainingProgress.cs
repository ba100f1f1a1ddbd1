namespace Nona.Host.Units;

/// <summary>
/// The numbers a training run needs, beside its tensors, to continue exactly where a checkpoint left it. Batch order,
/// augmentation and torch's generator are reseeded at every epoch from (split seed, epoch), so an epoch boundary
/// needs no generator state; a checkpoint inside an epoch also holds torch's generator state and the loss so far.
/// </summary>
/// <param name="EpochsDone">Epochs finished.</param>
/// <param name="BatchesDone">Batches finished of epoch <c>EpochsDone + 1</c> (0 at an epoch boundary).</param>
/// <param name="BestEpoch">The epoch of the best weights so far (0: none yet).</param>
/// <param name="BestValMse">Their validation MSE (+∞: none yet).</param>
/// <param name="SinceBest">Epochs since the best one, for early stopping.</param>
/// <param name="OptimizerSteps">Adam's step count (bias correction, warm-up).</param>
/// <param name="Seconds">Training seconds spent so far, over every process that ran this unit.</param>
internal sealed record TrainingProgress(int EpochsDone, int BatchesDone, int BestEpoch, double BestValMse, int SinceBest, int OptimizerSteps, double Seconds);
