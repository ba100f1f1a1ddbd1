using System.Reflection;
using System.Reflection.Emit;
using Nona.Abstractions.Torch;
using TorchSharp;

namespace Nona.Tests.Guards;

/// <summary>One place that breaks the scalar-lifetime rule (docs/torch-lifetimes.md).</summary>
/// <param name="Method">Type and method, as C# wrote them (compiler-generated names included).</param>
/// <param name="Offset">IL offset of the offending instruction.</param>
/// <param name="Problem">What is wrong there, in one line.</param>
public sealed record ScalarRuleViolation(string Method, int Offset, string Problem)
{
    /// <inheritdoc />
    public override string ToString() => $"{Method} IL_{Offset:x4}: {Problem}";
}

/// <summary>
/// Reads compiled IL and finds TorchSharp <see cref="Scalar"/>s that may be freed while native code reads them.
/// A Scalar is a raw native handle freed by its finalizer; TorchSharp passes the handle to native code without
/// keeping the object alive, so a temporary one (a number converted implicitly, <c>ToScalar()</c> used inline, the
/// hidden <c>alpha = 1</c> of <c>a + b</c>) can be finalized mid-call after a collection on any thread. Held means
/// stored in a field, or in a local that the method disposes (<c>using</c>). TorchSharp's own methods are judged by
/// the same rule, transitively, so calling one that creates a temporary inside (<c>square()</c> is <c>pow(2)</c>) is a
/// violation too, and so is creating a module whose <c>forward</c> (or an optimizer whose <c>step</c>) does.
/// </summary>
public sealed class ScalarLifetimeScanner
{
    private readonly Assembly torchSharp = typeof(Scalar).Assembly;
    private readonly Dictionary<int, string> unsafeTorchMethods;

    /// <summary>Analyses TorchSharp once; <see cref="Scan"/> then checks any assembly against it.</summary>
    public ScalarLifetimeScanner()
    {
        unsafeTorchMethods = FindUnsafeTorchMethods();
    }

    /// <summary>Why <paramref name="method"/> (a TorchSharp method) creates a temporary Scalar, or null when it does not.</summary>
    public string? WhyUnsafe(MethodBase method) =>
        method.Module.Assembly == torchSharp && unsafeTorchMethods.TryGetValue(method.MetadataToken, out var why) ? why : null;

    /// <summary>Every violation in <paramref name="assembly"/>'s method bodies.</summary>
    public List<ScalarRuleViolation> Scan(Assembly assembly)
    {
        var violations = new List<ScalarRuleViolation>();
        foreach (var method in MethodsWithBodies(assembly))
        {
            var body = Analyse(method);
            foreach (var offset in body.UnheldScalars)
                violations.Add(new ScalarRuleViolation(Describe(method), offset.Offset, $"temporary Scalar passed to {offset.Consumer}; hold it (a field, or `using var`) or use Nona.Abstractions.HeldScalars"));
            foreach (var (offset, callee, creates) in body.Calls)
            {
                if (WhyUnsafe(callee) is { } why)
                    violations.Add(new ScalarRuleViolation(Describe(method), offset, $"calls {Describe(callee)}, which {why}"));
                else if (creates && CreatedTorchType(callee) is { } created && UnsafeEntryPoint(created) is { } entry)
                    violations.Add(new ScalarRuleViolation(Describe(method), offset, $"creates {created.Name}, whose {entry}"));
            }
        }

        return violations;
    }

    // A module's forward or an optimizer's step runs on every batch; anything else a type does is off the hot path.
    private string? UnsafeEntryPoint(Type type)
    {
        foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance))
        {
            if (method.Name is "forward" or "step" && WhyUnsafe(method) is { } why)
                return $"{method.Name} {why}";
        }

        return null;
    }

    private Type? CreatedTorchType(MethodBase callee)
    {
        var type = callee is ConstructorInfo ctor ? ctor.DeclaringType : (callee as MethodInfo)?.ReturnType;
        return type is not null && type.Assembly == torchSharp && type != typeof(Scalar) && type != typeof(torch.Tensor) ? type : null;
    }

    private Dictionary<int, string> FindUnsafeTorchMethods()
    {
        var bodies = new Dictionary<int, (MethodBase Method, BodyFacts Facts)>();
        foreach (var method in MethodsWithBodies(torchSharp))
            bodies[method.MetadataToken] = (method, Analyse(method));

        var result = new Dictionary<int, string>();
        foreach (var (token, (_, facts)) in bodies)
        {
            if (facts.UnheldScalars.Count > 0)
                result[token] = $"creates a temporary Scalar for {facts.UnheldScalars[0].Consumer}";
        }

        // Propagate through TorchSharp's own calls until nothing changes (call graphs have cycles).
        for (var changed = true; changed;)
        {
            changed = false;
            foreach (var (token, (_, facts)) in bodies)
            {
                if (result.ContainsKey(token))
                    continue;
                foreach (var (_, callee, _) in facts.Calls)
                {
                    if (callee.Module.Assembly == torchSharp && result.TryGetValue(callee.MetadataToken, out var calleeWhy))
                    {
                        result[token] = $"calls {Describe(callee)}, which {Innermost(calleeWhy)}";
                        changed = true;
                        break;
                    }
                }
            }
        }

        return result;
    }

    // "calls A, which calls B, which creates …" → "creates …": messages name the caller's callee and the root cause only.
    private static string Innermost(string why)
    {
        var index = why.LastIndexOf(", which ", StringComparison.Ordinal);
        return index < 0 ? why : why[(index + ", which ".Length)..];
    }

    private sealed record UnheldScalar(int Offset, string Consumer);

    private sealed record BodyFacts(List<UnheldScalar> UnheldScalars, List<(int Offset, MethodBase Callee, bool Creates)> Calls);

    private static BodyFacts Analyse(MethodBase method)
    {
        var unheld = new List<UnheldScalar>();
        var calls = new List<(int, MethodBase, bool)>();
        var il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null)
            return new BodyFacts(unheld, calls);
        var instructions = IlInstructions.Decode(il);
        var typeArguments = method.DeclaringType is { IsGenericType: true } declaring ? declaring.GetGenericArguments() : null;
        var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        var resolved = new MethodBase?[instructions.Count];
        for (var i = 0; i < instructions.Count; i++)
        {
            if (!IlInstructions.IsCall(instructions[i]))
                continue;
            try
            {
                resolved[i] = method.Module.ResolveMethod((int)instructions[i].Operand, typeArguments, methodArguments);
            }
            catch (Exception e) when (e is ArgumentException or TypeLoadException or FileNotFoundException or BadImageFormatException)
            {
                continue; // a reference into an assembly that is not loadable here cannot be a TorchSharp call
            }

            calls.Add((instructions[i].Offset, resolved[i]!, instructions[i].OpCode != OpCodes.Call || resolved[i] is MethodInfo));
        }

        for (var i = 0; i < instructions.Count; i++)
        {
            if (resolved[i] is { } callee && ProducesScalar(callee) && !IsHeld(instructions, resolved, i + 1))
                unheld.Add(new UnheldScalar(instructions[i].Offset, NextConsumer(instructions, resolved, i)));
        }

        return new BodyFacts(unheld, calls);
    }

    // A call that makes a new Scalar: TorchSharp's conversions and constructors, or a method of ours that returns one.
    // HeldScalars returns Scalars it keeps for the process, and the framework's collections return what they hold.
    private static bool ProducesScalar(MethodBase callee)
    {
        if (callee is ConstructorInfo ctor)
            return ctor.DeclaringType == typeof(Scalar);
        if ((callee as MethodInfo)?.ReturnType != typeof(Scalar) || callee.DeclaringType == typeof(HeldScalars))
            return false;
        var assembly = callee.Module.Assembly.GetName().Name ?? "";
        return !(assembly.StartsWith("System", StringComparison.Ordinal) || assembly == "mscorlib");
    }

    // Held: stored in a field, returned to the caller (whose call site is judged), or stored in a local that is disposed or returned.
    internal static bool IsHeld(List<IlInstruction> instructions, MethodBase?[] resolved, int next)
    {
        if (next >= instructions.Count)
            return false;
        var code = instructions[next].OpCode;
        if (code == OpCodes.Stfld || code == OpCodes.Stsfld || code == OpCodes.Ret)
            return true;
        if (code == OpCodes.Br || code == OpCodes.Br_S)
        {
            // Debug builds jump to a shared `ret` from each branch of a conditional expression.
            var target = instructions[next].Offset + (code == OpCodes.Br_S ? 2 : 5) + (int)instructions[next].Operand;
            return instructions.Find(i => i.Offset == target).OpCode == OpCodes.Ret;
        }
        if (IlInstructions.LocalIndex(instructions[next], store: true) is not { } local)
            return false;
        for (var j = 0; j + 1 < instructions.Count; j++)
        {
            // Disposed, or returned through a local (how Debug builds compile `return expression;`).
            if (IlInstructions.LocalIndex(instructions[j], store: false) == local && (resolved[j + 1] is { Name: "Dispose" } || instructions[j + 1].OpCode == OpCodes.Ret))
                return true;
        }

        return false;
    }

    private static string NextConsumer(List<IlInstruction> instructions, MethodBase?[] resolved, int from)
    {
        for (var j = from + 1; j < instructions.Count; j++)
        {
            if (resolved[j] is { } callee && !ProducesScalar(callee))
                return Describe(callee);
        }

        return "(nothing)";
    }

    internal static IEnumerable<MethodBase> MethodsWithBodies(Assembly assembly)
    {
        Type[] types;
        try
        {
            types = assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            types = [.. e.Types.OfType<Type>()];
        }

        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        foreach (var type in types)
        {
            foreach (var method in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
            {
                if (method.GetMethodBody() is not null)
                    yield return method;
            }
        }
    }

    /// <summary>"Type.Method(ParamType, …)" for messages.</summary>
    public static string Describe(MethodBase method)
    {
        var parameters = string.Join(", ", method.GetParameters().Select(p => p.ParameterType.Name));
        return $"{method.DeclaringType?.FullName ?? "?"}.{method.Name}({parameters})";
    }
}
