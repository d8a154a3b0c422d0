using System.Text.Json;

namespace DurableJobs;

/// <summary>A read-only view of a job row, as APIs return it.</summary>
public sealed record JobSnapshot(
    Guid Id,
    string Queue,
    JobState State,
    string? Owner,
    JsonElement Payload,
    int Attempt,
    int MaxAttempts,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    JsonElement? Result,
    string? ErrorCode,
    string? ErrorMessage,
    bool CancelRequested);
