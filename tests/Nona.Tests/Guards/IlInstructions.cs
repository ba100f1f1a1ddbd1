using System.Reflection;
using System.Reflection.Emit;

namespace Nona.Tests.Guards;

/// <summary>One IL instruction: its offset, opcode and raw operand (a token, a local index, a constant, …).</summary>
public readonly record struct IlInstruction(int Offset, OpCode OpCode, long Operand);

/// <summary>Decodes a method body's IL bytes into instructions (ECMA-335 III; operands are read, not interpreted).</summary>
public static class IlInstructions
{
    private static readonly OpCode[] OneByte = new OpCode[0x100];
    private static readonly OpCode[] TwoByte = new OpCode[0x100];

    static IlInstructions()
    {
        foreach (var field in typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            var code = (OpCode)field.GetValue(null)!;
            var value = (ushort)code.Value;
            if (code.Size == 1)
                OneByte[value] = code;
            else
                TwoByte[value & 0xFF] = code;
        }
    }

    /// <summary>The instructions of <paramref name="il"/>, in order.</summary>
    public static List<IlInstruction> Decode(byte[] il)
    {
        var result = new List<IlInstruction>();
        var position = 0;
        while (position < il.Length)
        {
            var offset = position;
            var code = il[position] == 0xFE ? TwoByte[il[++position]] : OneByte[il[position]];
            position++;
            long operand = 0;
            switch (code.OperandType)
            {
                case OperandType.InlineNone:
                    break;
                case OperandType.ShortInlineBrTarget:
                case OperandType.ShortInlineI:
                case OperandType.ShortInlineVar:
                    operand = code.OperandType == OperandType.ShortInlineVar ? il[position] : (sbyte)il[position];
                    position += 1;
                    break;
                case OperandType.InlineVar:
                    operand = BitConverter.ToUInt16(il, position);
                    position += 2;
                    break;
                case OperandType.InlineI8:
                case OperandType.InlineR:
                    operand = BitConverter.ToInt64(il, position);
                    position += 8;
                    break;
                case OperandType.ShortInlineR:
                    operand = BitConverter.ToInt32(il, position);
                    position += 4;
                    break;
                case OperandType.InlineSwitch:
                    var targets = BitConverter.ToInt32(il, position);
                    position += 4 + (4 * targets);
                    break;
                default: // tokens, 32-bit branch targets and constants
                    operand = BitConverter.ToInt32(il, position);
                    position += 4;
                    break;
            }

            result.Add(new IlInstruction(offset, code, operand));
        }

        return result;
    }

    /// <summary>The local variable an ldloc/stloc instruction names, or null for any other instruction.</summary>
    public static int? LocalIndex(IlInstruction instruction, bool store)
    {
        var code = instruction.OpCode;
        if (store)
        {
            if (code == OpCodes.Stloc_0) return 0;
            if (code == OpCodes.Stloc_1) return 1;
            if (code == OpCodes.Stloc_2) return 2;
            if (code == OpCodes.Stloc_3) return 3;
            if (code == OpCodes.Stloc_S || code == OpCodes.Stloc) return (int)instruction.Operand;
            return null;
        }

        if (code == OpCodes.Ldloc_0) return 0;
        if (code == OpCodes.Ldloc_1) return 1;
        if (code == OpCodes.Ldloc_2) return 2;
        if (code == OpCodes.Ldloc_3) return 3;
        if (code == OpCodes.Ldloc_S || code == OpCodes.Ldloc || code == OpCodes.Ldloca_S || code == OpCodes.Ldloca) return (int)instruction.Operand;
        return null;
    }

    /// <summary>True for the instructions that call or construct a method named by a token.</summary>
    public static bool IsCall(IlInstruction instruction) =>
        instruction.OpCode == OpCodes.Call || instruction.OpCode == OpCodes.Callvirt || instruction.OpCode == OpCodes.Newobj;
}
