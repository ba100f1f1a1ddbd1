using System.Text.Json;
using System.Text.Json.Serialization;

namespace Nona.Host.Units;

/// <summary>JSON of unit files: snake_case, and NaN/±∞ kept as the strings "NaN", "Infinity" (a diverged unit's rows).</summary>
internal static class UnitJson
{
    /// <summary>The options.</summary>
    public static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}
