using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace ChatService.Apis.Paging;

/// <summary>Opaque keyset cursor over a document's chunks: the ordinal of the last chunk of a page.</summary>
public sealed record ChunkCursor(int Ordinal)
{
    private const string Prefix = "chunk:";

    public string Encode() => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{Prefix}{Ordinal}")));

    public static bool TryDecode(string? value, out ChunkCursor? cursor)
    {
        cursor = null;
        if (string.IsNullOrEmpty(value))
        {
            return true;
        }

        try
        {
            var text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(value));
            if (text.StartsWith(Prefix, StringComparison.Ordinal)
                && int.TryParse(text.AsSpan(Prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var ordinal))
            {
                cursor = new ChunkCursor(ordinal);
                return true;
            }
        }
        catch (FormatException)
        {
            return false;
        }

        return false;
    }
}
