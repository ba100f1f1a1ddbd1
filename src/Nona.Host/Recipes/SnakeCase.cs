using System.Reflection;
using System.Runtime.Serialization;
using System.Text;

namespace Nona.Host.Recipes;

/// <summary>Recipe spelling of .NET names: properties and enum members in snake_case (BatchSize → batch_size).</summary>
internal static class SnakeCase
{
    /// <summary>snake_case of a PascalCase name; digits stay with the word before them (L2 → l2).</summary>
    public static string Of(string name)
    {
        var builder = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c) && i > 0 && !char.IsUpper(name[i - 1]))
                builder.Append('_');
            builder.Append(char.ToLowerInvariant(c));
        }

        return builder.ToString();
    }

    /// <summary>The recipe name of an enum member: its [EnumMember(Value)] if any, else snake_case.</summary>
    public static string OfEnumMember(Type enumType, object value)
    {
        var name = Enum.GetName(enumType, value)!;
        var member = enumType.GetField(name)!.GetCustomAttribute<EnumMemberAttribute>();
        return member?.Value ?? Of(name);
    }
}
