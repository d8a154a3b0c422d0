using System.ComponentModel.DataAnnotations;

namespace ChatService.Rag;

/// <summary>Load shedding and caching of chat generation (section <c>Chat</c>).</summary>
public sealed class ChatLimitsOptions
{
    public const string Section = "Chat";

    /// <summary>Generations running at once in this replica.</summary>
    [Range(1, 10_000)]
    public int MaxConcurrentGenerations { get; set; } = 32;

    /// <summary>Requests allowed to wait for a generation slot; beyond it, refused at once.</summary>
    [Range(0, 10_000)]
    public int QueueLimit { get; set; } = 64;

    /// <summary>Longest wait for a slot before refusing.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan QueueWait { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Status of a refusal: 429 (caller should slow down) or 503.</summary>
    [AllowedValues(429, 503)]
    public int RejectionStatus { get; set; } = 429;

    /// <summary>
    /// Retry-After of a refusal; on the wire in whole seconds (rounded up), as the header and the problem's
    /// <c>retryAfterSeconds</c> field define it.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary><see cref="RetryAfter"/> in the wire's unit: whole seconds, rounded up.</summary>
    public int RetryAfterWholeSeconds() => (int)Math.Ceiling(RetryAfter.TotalSeconds);

    /// <summary>Endpoint budget of <c>/api/chat</c> and <c>/v1/chat/completions</c>.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:30:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(130);

    public bool CacheAnswers { get; set; } = true;

    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan AnswerCacheTtl { get; set; } = TimeSpan.FromMinutes(10);

    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan EmbeddingCacheTtl { get; set; } = TimeSpan.FromHours(6);

    /// <summary>How long a turn waits for Redis' answer to a cached question vector before it embeds the question itself.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:00:05")]
    public TimeSpan EmbeddingCacheReadTimeout { get; set; } = TimeSpan.FromMilliseconds(250);
}
