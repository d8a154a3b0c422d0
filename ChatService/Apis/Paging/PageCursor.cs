using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace ChatService.Apis.Paging;

/// <summary>Opaque keyset cursor: the (created-at, id) of the last item of a page.</summary>
public sealed record PageCursor(DateTimeOffset CreatedAt, Guid Id)
{
    public const int DefaultLimit = 20;
    public const int MaxLimit = 100;

    public string Encode() =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{CreatedAt.UtcTicks}:{Id:N}")));

    public static bool TryDecode(string? value, out PageCursor? cursor)
    {
        cursor = null;
        if (string.IsNullOrEmpty(value))
        {
            return true;
        }

        try
        {
            var parts = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(value)).Split(':');
            if (parts.Length == 2 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
                && Guid.TryParseExact(parts[1], "N", out var id) && ticks is >= 0 and <= 3155378975999999999)
            {
                cursor = new PageCursor(new DateTimeOffset(ticks, TimeSpan.Zero), id);
                return true;
            }
        }
        catch (FormatException)
        {
            return false;
        }

        return false;
    }

    public static bool ValidLimit(int? limit) => limit is null or (>= 1 and <= MaxLimit);
}
