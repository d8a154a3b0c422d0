namespace DistributorService.Options;

/// <summary>
/// One publisher (section <c>Distributor:Publishers:&lt;subject&gt;</c>, keyed by the token's <c>sub</c>): the event types it may
/// post. A pattern is an exact type (<c>destination.disabled</c>), a prefix ending in <c>.*</c> (<c>evaluation.*</c>), or <c>*</c>.
/// </summary>
public sealed class PublisherOptions
{
    public string[] EventTypes { get; set; } = [];

    /// <summary>True when <paramref name="type"/> matches one of <see cref="EventTypes"/>.</summary>
    public bool Allows(string type) => EventTypes.Any(pattern => Matches(pattern, type));

    public static bool Matches(string pattern, string type) =>
        pattern == "*"
        || (pattern.EndsWith(".*", StringComparison.Ordinal) && type.Length > pattern.Length - 1
            && type.StartsWith(pattern[..^1], StringComparison.Ordinal))
        || string.Equals(pattern, type, StringComparison.Ordinal);

    public static bool IsValidPattern(string pattern) =>
        !string.IsNullOrWhiteSpace(pattern) && (pattern == "*"
            || !pattern[..^(pattern.EndsWith(".*", StringComparison.Ordinal) ? 2 : 0)].Contains('*'));
}
