using System.Buffers.Binary;
using System.Buffers.Text;

namespace DurableJobs.Storage;

/// <summary>Keyset position in a dead-letter listing (finished_at, id), opaque to clients.</summary>
internal readonly record struct DeadLetterCursor(DateTimeOffset FinishedAt, Guid Id)
{
    public string Encode()
    {
        Span<byte> bytes = stackalloc byte[24];
        BinaryPrimitives.WriteInt64BigEndian(bytes, FinishedAt.UtcTicks);
        Id.TryWriteBytes(bytes[8..]);
        return Base64Url.EncodeToString(bytes);
    }

    public static bool TryDecode(string? text, out DeadLetterCursor cursor)
    {
        cursor = default;
        if (string.IsNullOrEmpty(text) || text.Length > 64)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[48];
        if (!Base64Url.TryDecodeFromChars(text, bytes, out var written) || written != 24)
        {
            return false;
        }

        var ticks = BinaryPrimitives.ReadInt64BigEndian(bytes);
        if (ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks)
        {
            return false;
        }

        cursor = new DeadLetterCursor(new DateTimeOffset(ticks, TimeSpan.Zero), new Guid(bytes[8..24]));
        return true;
    }
}
