using Xunit;

// libtorch's random generator is process-wide: tests that seed it (determinism, parity, training) must not run
// beside tests that draw from it, or "same seed ⇒ same numbers" would fail for the wrong reason.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
