using static TorchSharp.torch;

namespace Nona.Tests.Guards;

/// <summary>Deliberate tensor temporaries outside dispose scopes (found by the scan) and their safe spellings (not found). Never called.</summary>
public static class SeededTensorViolations
{
    /// <summary>The SIGSEGV of docs/torch-lifetimes.md: detach's result is unheld during clone.</summary>
    public static Tensor UnsafeDetachClone(Tensor t) => t.detach().clone();

    /// <summary>A chain outside any scope.</summary>
    public static Tensor UnsafeChainOutsideScope(Tensor t) => t.abs().sum();

    /// <summary>The temporary held by a disposed local.</summary>
    public static Tensor SafeUsingLocal(Tensor t)
    {
        using var detached = t.detach();
        return detached.clone();
    }

    /// <summary>The chain inside a scope that holds the temporary.</summary>
    public static Tensor SafeInsideScope(Tensor t)
    {
        using var scope = NewDisposeScope();
        return t.abs().sum().MoveToOuterDisposeScope();
    }
}
