using Nona.Abstractions;
using TorchSharp;
using Xunit;

namespace Nona.Tests.Protocol;

/// <summary>
/// <see cref="VectorInputs"/> builds its row tensor on first use. That first use may fall inside a caller's dispose
/// scope (a resumed run's first batch did); the cached tensor must outlive the scope, or every later batch reads a
/// freed handle ("Tensor invalid -- empty handle", seen in 3 of 7 resumes after two Ctrl-C).
/// </summary>
public sealed class VectorInputsTests
{
    [Fact]
    public void Rows_first_gathered_inside_a_dispose_scope_stay_usable_after_it_ends()
    {
        var inputs = new VectorInputs([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]);
        using (torch.NewDisposeScope())
        {
            using var first = inputs.Batch([2], torch.ScalarType.Float64, torch.CPU);
            Assert.Equal([5.0, 6.0], first.Values.data<double>().ToArray());
        }

        using var later = inputs.Batch([1, 0], torch.ScalarType.Float64, torch.CPU);
        Assert.Equal([3.0, 4.0, 1.0, 2.0], later.Values.data<double>().ToArray());
    }
}
