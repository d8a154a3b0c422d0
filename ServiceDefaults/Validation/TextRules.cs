namespace ServiceDefaults.Validation;

/// <summary>
/// Text every service refuses at its edge: PostgreSQL cannot store U+0000 in <c>text</c> or <c>jsonb</c>, and an unpaired
/// UTF-16 surrogate has no UTF-8 encoding. Checked once for every JSON string a request carries (see <see cref="JsonInputGuard"/>).
/// </summary>
public static class TextRules
{
    /// <summary>Why <paramref name="value"/> is refused, or null when it is acceptable.</summary>
    public static string? Problem(ReadOnlySpan<char> value, int? maxLength = null)
    {
        if (maxLength is { } max && value.Length > max)
        {
            return $"is longer than {max} characters";
        }

        if (value.Contains('\0'))
        {
            return "contains a NUL character (U+0000)";
        }

        var surrogate = value.IndexOfAnyInRange('\uD800', '\uDFFF');
        while (surrogate >= 0)
        {
            if (!char.IsHighSurrogate(value[surrogate]) || surrogate + 1 >= value.Length || !char.IsLowSurrogate(value[surrogate + 1]))
            {
                return "contains an unpaired UTF-16 surrogate";
            }

            var rest = value[(surrogate + 2)..].IndexOfAnyInRange('\uD800', '\uDFFF');
            surrogate = rest < 0 ? -1 : surrogate + 2 + rest;
        }

        return null;
    }

    /// <summary>True when <paramref name="bytes"/> (a text upload) contains a NUL byte: not a text file PostgreSQL can store.</summary>
    public static bool ContainsNul(ReadOnlySpan<byte> bytes) => bytes.Contains((byte)0);
}
