namespace DurableJobs.Storage;

/// <summary>A job this worker now holds the lease of (state <c>running</c>, attempt already counted).</summary>
internal sealed record ClaimedJob(
    Guid Id,
    string Queue,
    string Payload,
    int Attempt,
    int MaxAttempts,
    TimeSpan Timeout,
    string? Owner,
    string? IdempotencyKey,
    string? TraceParent,
    DateTimeOffset CreatedAt,
    DateTimeOffset DueAt,
    DateTimeOffset StartedAt);
