using System.Reflection;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Nona.Tests.Guards;

/// <summary>
/// The guard of docs/torch-lifetimes.md: none of our assemblies passes a temporary Scalar to TorchSharp, directly or
/// through a TorchSharp method that makes one; the seeded violations prove the scan finds each kind.
/// </summary>
public sealed class ScalarLifetimeGuardTests
{
    private static readonly Lazy<ScalarLifetimeScanner> Scanner = new(() => new ScalarLifetimeScanner());

    public static TheoryData<string> OurAssemblies =>
    [
        "Nona.Abstractions", "nona", "Nona.Onnx", "Nona.Plugins.Heads", "Nona.Plugins.Tabular",
        "Nona.Plugins.Vision", "Nona.Plugins.Text", "Nona.Plugins.Audio",
    ];

    [Theory]
    [MemberData(nameof(OurAssemblies))]
    public void Our_assemblies_hold_every_scalar_they_pass_to_torch(string assemblyName)
    {
        var violations = Scanner.Value.Scan(Assembly.Load(assemblyName));
        Assert.True(violations.Count == 0, $"{violations.Count} violations:\n" + string.Join('\n', violations));
    }

    [Theory]
    [InlineData("Nona.TestPlugins.GaussianKernel")]
    [InlineData("Nona.TestPlugins.Templates")] // the plugin sources every dotnet new template generates
    public void The_plugins_a_third_party_would_ship_follow_the_rule_too(string project)
    {
        var path = Path.Combine(Support.TestPluginOutput.Of(project), project + ".dll");
        var violations = Scanner.Value.Scan(Assembly.LoadFrom(path));
        Assert.True(violations.Count == 0, string.Join('\n', violations));
    }

    [Fact]
    public void Every_seeded_violation_is_found_and_no_safe_spelling_is()
    {
        var found = Scanner.Value.Scan(typeof(SeededScalarViolations).Assembly)
            .Where(v => v.Method.StartsWith(typeof(SeededScalarViolations).FullName + ".", StringComparison.Ordinal))
            .Select(v => v.Method.Split('.')[^1].Split('(')[0])
            .ToHashSet();
        var seeded = typeof(SeededScalarViolations).GetMethods(BindingFlags.Public | BindingFlags.Static).Select(m => m.Name).ToList();
        Assert.Equal(seeded.Where(n => n.StartsWith("Unsafe", StringComparison.Ordinal)).Order(), found.Order());
        Assert.Contains(seeded, n => n.StartsWith("Safe", StringComparison.Ordinal));
    }

    [Fact]
    public void TorchSharp_facts_from_its_source_are_what_the_scan_reads()
    {
        // From TorchSharp 0.107.0's Tensor.Math.cs: square() => pow(2); add(Tensor) => add(target, 1); the
        // overloads with an explicit alpha and mul(Tensor) pass only what they are given.
        var tensor = typeof(Tensor);
        Assert.NotNull(Scanner.Value.WhyUnsafe(tensor.GetMethod(nameof(Tensor.square), Type.EmptyTypes)!));
        Assert.NotNull(Scanner.Value.WhyUnsafe(tensor.GetMethod(nameof(Tensor.add), [tensor])!));
        Assert.NotNull(Scanner.Value.WhyUnsafe(tensor.GetMethod("op_Addition", [tensor, tensor])!));
        Assert.Null(Scanner.Value.WhyUnsafe(tensor.GetMethod(nameof(Tensor.add), [tensor, typeof(Scalar)])!));
        Assert.Null(Scanner.Value.WhyUnsafe(tensor.GetMethod(nameof(Tensor.mul), [tensor])!));
        Assert.Null(Scanner.Value.WhyUnsafe(tensor.GetMethod(nameof(Tensor.pow), [typeof(Scalar)])!));
    }
}

/// <summary>The tensor half of the rule: the host's and Abstractions' code outside dispose scopes holds its tensor temporaries.</summary>
public sealed class TensorTemporaryGuardTests
{
    [Theory]
    [InlineData("nona")]
    [InlineData("Nona.Abstractions")]
    public void Code_outside_dispose_scopes_holds_its_tensor_temporaries(string assemblyName)
    {
        var violations = new TensorTemporaryScanner().Scan(Assembly.Load(assemblyName));
        Assert.True(violations.Count == 0, $"{violations.Count} violations:\n" + string.Join('\n', violations));
    }

    [Fact]
    public void The_seeded_tensor_violation_is_found_and_its_safe_spellings_are_not()
    {
        var found = new TensorTemporaryScanner().Scan(typeof(SeededTensorViolations).Assembly)
            .Where(v => v.Method.StartsWith(typeof(SeededTensorViolations).FullName + ".", StringComparison.Ordinal))
            .Select(v => v.Method.Split('.')[^1].Split('(')[0])
            .ToHashSet();
        Assert.Equal(["UnsafeChainOutsideScope", "UnsafeDetachClone"], found.Order());
    }
}
