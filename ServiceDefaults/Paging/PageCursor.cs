using System.Buffers.Binary;
using System.Buffers.Text;

namespace ServiceDefaults.Paging;

/// <summary>
/// The one opaque keyset cursor of every list: the sort key of the last item of a page, as base64url bytes. A list
/// ordered by (time, id) uses <see cref="Encode()"/> / <see cref="TryDecode(string?, out PageCursor)"/> (24 bytes); one
/// ordered by a number (sequence, ordinal) uses <see cref="EncodeNumber"/> / <see cref="TryDecodeNumber"/> (8 bytes).
/// Anything else, including another kind of list's cursor, does not decode: the list answers 400
/// (<see cref="Problems.Problem.InvalidCursor"/>), never "from the start".
/// </summary>
public readonly record struct PageCursor(DateTimeOffset At, Guid Id)
{
    private const int KeyBytes = 24;
    private const int NumberBytes = 8;
    private const int MaxLength = 64;

    public string Encode()
    {
        Span<byte> bytes = stackalloc byte[KeyBytes];
        BinaryPrimitives.WriteInt64BigEndian(bytes, At.UtcTicks);
        Id.TryWriteBytes(bytes[8..]);
        return Base64Url.EncodeToString(bytes);
    }

    public static bool TryDecode(string? text, out PageCursor cursor)
    {
        cursor = default;
        Span<byte> bytes = stackalloc byte[MaxLength];
        if (!TryRead(text, bytes, KeyBytes))
        {
            return false;
        }

        var ticks = BinaryPrimitives.ReadInt64BigEndian(bytes);
        if (ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks)
        {
            return false;
        }

        cursor = new PageCursor(new DateTimeOffset(ticks, TimeSpan.Zero), new Guid(bytes[8..KeyBytes]));
        return true;
    }

    public static string EncodeNumber(long number)
    {
        Span<byte> bytes = stackalloc byte[NumberBytes];
        BinaryPrimitives.WriteInt64BigEndian(bytes, number);
        return Base64Url.EncodeToString(bytes);
    }

    public static bool TryDecodeNumber(string? text, out long number)
    {
        number = 0;
        Span<byte> bytes = stackalloc byte[MaxLength];
        if (!TryRead(text, bytes, NumberBytes))
        {
            return false;
        }

        number = BinaryPrimitives.ReadInt64BigEndian(bytes);
        return true;
    }

    private static bool TryRead(string? text, Span<byte> buffer, int expected)
    {
        if (string.IsNullOrEmpty(text) || text.Length > MaxLength)
        {
            return false;
        }

        try
        {
            return Base64Url.TryDecodeFromChars(text, buffer, out var written) && written == expected;
        }
        catch (FormatException)
        {
            // why: the Try method still throws on a character outside the alphabet; a client's garbage is a 400, not a 500.
            return false;
        }
    }
}
