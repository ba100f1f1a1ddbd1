using System.Reflection;
using System.Reflection.Emit;
using static TorchSharp.torch;

namespace Nona.Tests.Guards;

/// <summary>
/// The tensor half of docs/torch-lifetimes.md's rule, read from compiled IL: outside a dispose scope, a tensor that
/// one TorchSharp call returns must not go straight into another (<c>t.detach().clone()</c>): nothing holds the
/// temporary during the second call, so a collection can finalize it — free its native tensor — while libtorch
/// reads it (seen as a SIGSEGV in THSTensor_clone under GC stress). Inside a dispose scope the scope holds it. A
/// method counts as scoped when it opens one itself (<c>NewDisposeScope</c>); plugin code that runs inside the
/// host's scopes (every forward) is therefore not scanned — the host's own top-level code is.
/// </summary>
public sealed class TensorTemporaryScanner
{
    private readonly Assembly torchSharp = typeof(Tensor).Assembly;

    /// <summary>Every unheld tensor temporary handed to TorchSharp in <paramref name="assembly"/>, outside a scope.</summary>
    public List<ScalarRuleViolation> Scan(Assembly assembly)
    {
        var violations = new List<ScalarRuleViolation>();
        foreach (var method in ScalarLifetimeScanner.MethodsWithBodies(assembly))
        {
            var il = method.GetMethodBody()?.GetILAsByteArray();
            if (il is null)
                continue;
            var instructions = IlInstructions.Decode(il);
            var resolved = Resolve(method, instructions);
            if (resolved.Any(m => m is { Name: "NewDisposeScope" } && m.Module.Assembly == torchSharp))
                continue;
            for (var i = 0; i < instructions.Count; i++)
            {
                if (resolved[i] is not MethodInfo producer || producer.Module.Assembly != torchSharp || producer.ReturnType != typeof(Tensor) || ReturnsExisting(producer))
                    continue;
                if (ScalarLifetimeScanner.IsHeld(instructions, resolved, i + 1))
                    continue;
                var consumer = NextCall(resolved, i);
                if (consumer is not null && consumer.Module.Assembly == torchSharp && !KeepsOrIgnores(consumer))
                    violations.Add(new ScalarRuleViolation(ScalarLifetimeScanner.Describe(method), instructions[i].Offset, $"the tensor {ScalarLifetimeScanner.Describe(producer)} returns goes straight into {ScalarLifetimeScanner.Describe(consumer)} outside a dispose scope; hold it (`using var`) or open a NewDisposeScope"));
            }
        }

        return violations;
    }

    // Property getters (a module's weight, a tensor's grad), in-place operations (add_ returns its receiver) and the
    // dispose-scope moves return a tensor something else already holds: not a temporary.
    private static bool ReturnsExisting(MethodInfo producer) =>
        (producer.IsSpecialName && producer.Name.StartsWith("get_", StringComparison.Ordinal))
        || producer.Name.EndsWith('_')
        || producer.Name is "DetachFromDisposeScope" or "MoveToOuterDisposeScope";

    // Managed-only calls that keep the tensor (a module's buffer) or do not touch its native handle.
    private static bool KeepsOrIgnores(MethodBase consumer) =>
        consumer.Name is "Dispose" or "DetachFromDisposeScope" or "MoveToOuterDisposeScope" or "register_buffer" or "register_parameter" or "register_module"
        || (consumer.IsSpecialName && consumer.Name.StartsWith("get_", StringComparison.Ordinal));

    private static MethodBase? NextCall(MethodBase?[] resolved, int from)
    {
        for (var j = from + 1; j < resolved.Length; j++)
        {
            if (resolved[j] is { } callee)
                return callee;
        }

        return null;
    }

    private static MethodBase?[] Resolve(MethodBase method, List<IlInstruction> instructions)
    {
        var typeArguments = method.DeclaringType is { IsGenericType: true } declaring ? declaring.GetGenericArguments() : null;
        var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        var resolved = new MethodBase?[instructions.Count];
        for (var i = 0; i < instructions.Count; i++)
        {
            if (!IlInstructions.IsCall(instructions[i]) || instructions[i].OpCode == OpCodes.Ldftn)
                continue;
            try
            {
                resolved[i] = method.Module.ResolveMethod((int)instructions[i].Operand, typeArguments, methodArguments);
            }
            catch (Exception e) when (e is ArgumentException or TypeLoadException or FileNotFoundException or BadImageFormatException)
            {
            }
        }

        return resolved;
    }
}
