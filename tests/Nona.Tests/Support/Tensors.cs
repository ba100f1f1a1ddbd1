using TorchSharp;
using static TorchSharp.torch;

namespace Nona.Tests.Support;

/// <summary>Small helpers for building float64 test tensors and reading them back.</summary>
public static class Tensors
{
    /// <summary>A float64 matrix from rows.</summary>
    public static Tensor Matrix(double[][] rows) =>
        torch.tensor(rows.SelectMany(r => r).ToArray(), [rows.Length, rows[0].Length], ScalarType.Float64);

    /// <summary>A float64 vector.</summary>
    public static Tensor Vector(params double[] values) => torch.tensor(values, ScalarType.Float64);

    /// <summary>A tensor's values as a flat double array.</summary>
    public static double[] Values(Tensor t) => t.detach().to(ScalarType.Float64).contiguous().data<double>().ToArray();

    /// <summary>Sets a module's named parameter (under no_grad).</summary>
    public static void Set(nn.Module module, string name, double[] values)
    {
        using var noGrad = no_grad();
        var parameter = module.named_parameters().Single(p => p.name == name).parameter;
        using var source = torch.tensor(values, parameter.shape, parameter.dtype);
        parameter.copy_(source);
    }

    /// <summary>The logit, so that sigmoid(logit(p)) = p.</summary>
    public static double Logit(double p) => Math.Log(p / (1 - p));
}
