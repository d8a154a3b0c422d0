using System.Globalization;

namespace EvaluationService.Apis;

/// <summary>Keyset cursor over (created at, id), newest first.</summary>
public static class Cursor
{
    /// <summary>The largest page a list returns (<c>limit</c> beyond it is 400).</summary>
    public const int MaxLimit = 200;

    public static string Encode(DateTimeOffset createdAt, Guid id) =>
        string.Create(CultureInfo.InvariantCulture, $"{createdAt.UtcTicks}_{id:N}");

    public static bool TryDecode(string? cursor, out DateTimeOffset createdAt, out Guid id)
    {
        createdAt = default;
        id = default;
        var parts = cursor?.Split('_');
        if (parts is not { Length: 2 } || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            || ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks || !Guid.TryParseExact(parts[1], "N", out id))
        {
            return false;
        }

        createdAt = new DateTimeOffset(ticks, TimeSpan.Zero);
        return true;
    }
}
