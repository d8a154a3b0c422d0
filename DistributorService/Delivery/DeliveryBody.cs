using System.Text.Json;

namespace DistributorService.Delivery;

/// <summary>The bytes a destination receives: <c>{"id","type","timestamp","data"}</c> per event, a JSON array for a batch.</summary>
public static class DeliveryBody
{
    public static byte[] ForEvent(Guid eventId, string type, DateTimeOffset acceptedAt, string payloadJson)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WriteEvent(writer, eventId, type, acceptedAt, payloadJson);
        }

        return buffer.ToArray();
    }

    /// <summary>Concatenates single-event bodies into an array without re-serialising them.</summary>
    public static byte[] ForBatch(IReadOnlyList<byte[]> events)
    {
        var length = 2 + events.Sum(e => e.Length) + Math.Max(0, events.Count - 1);
        var result = new byte[length];
        var offset = 0;
        result[offset++] = (byte)'[';
        for (var i = 0; i < events.Count; i++)
        {
            if (i > 0)
            {
                result[offset++] = (byte)',';
            }

            events[i].CopyTo(result, offset);
            offset += events[i].Length;
        }

        result[offset] = (byte)']';
        return result;
    }

    private static void WriteEvent(Utf8JsonWriter writer, Guid eventId, string type, DateTimeOffset acceptedAt, string payloadJson)
    {
        writer.WriteStartObject();
        writer.WriteString("id", eventId);
        writer.WriteString("type", type);
        writer.WriteString("timestamp", acceptedAt.UtcDateTime);
        writer.WritePropertyName("data");
        writer.WriteRawValue(payloadJson, skipInputValidation: false);
        writer.WriteEndObject();
    }
}
