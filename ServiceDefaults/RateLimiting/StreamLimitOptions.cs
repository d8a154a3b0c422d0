using System.ComponentModel.DataAnnotations;

namespace ServiceDefaults.RateLimiting;

/// <summary>Limits on long-lived streams (server-sent events) marked with <c>LimitStreamsPerUser()</c> (section <c>Streams</c>).</summary>
public sealed class StreamLimitOptions
{
    public const string Section = "Streams";

    /// <summary>Streams one user may hold open at once in one replica; the next is 429 <c>TOO_MANY_STREAMS</c>.</summary>
    [Range(1, 10_000)]
    public int MaxPerUser { get; set; } = 5;

    /// <summary>
    /// Retry-After sent with a refused stream; on the wire in whole seconds (rounded up), as the header and the
    /// problem's <c>retryAfterSeconds</c> field define it.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>When true (default), a stream ends when the bearer token that opened it expires (its <c>exp</c>).</summary>
    public bool CloseAtTokenExpiry { get; set; } = true;
}
