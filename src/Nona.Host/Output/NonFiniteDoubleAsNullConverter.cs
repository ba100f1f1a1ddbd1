using System.Text.Json;
using System.Text.Json.Serialization;

namespace Nona.Host.Output;

/// <summary>
/// Writes a non-finite <see cref="double"/> (NaN, ±∞: a diverged method's error) as JSON <c>null</c> and reads
/// <c>null</c> back as NaN. System.Text.Json throws on them by default, which would lose run.json or sweep.json at the
/// end of a run that diverged.
/// </summary>
internal sealed class NonFiniteDoubleAsNullConverter : JsonConverter<double>
{
    /// <inheritdoc />
    public override bool HandleNull => true;

    /// <inheritdoc />
    public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.Null ? double.NaN : reader.GetDouble();

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (double.IsFinite(value))
            writer.WriteNumberValue(value);
        else
            writer.WriteNullValue();
    }
}
