namespace DurableJobs.Storage;

/// <summary>A validated job request ready to insert.</summary>
internal sealed record NewJob(
    Guid Id,
    string Queue,
    string Payload,
    string? Owner,
    string? IdempotencyKey,
    int MaxAttempts,
    TimeSpan Timeout,
    string? TraceParent);
