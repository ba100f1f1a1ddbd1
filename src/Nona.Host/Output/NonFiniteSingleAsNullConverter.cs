using System.Text.Json;
using System.Text.Json.Serialization;

namespace Nona.Host.Output;

/// <summary>The <see cref="float"/> twin of <see cref="NonFiniteDoubleAsNullConverter"/>.</summary>
internal sealed class NonFiniteSingleAsNullConverter : JsonConverter<float>
{
    /// <inheritdoc />
    public override bool HandleNull => true;

    /// <inheritdoc />
    public override float Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.Null ? float.NaN : reader.GetSingle();

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, float value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (float.IsFinite(value))
            writer.WriteNumberValue(value);
        else
            writer.WriteNullValue();
    }
}
